//! The message decoder: any bytes a client can send as a text frame.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = handsup::protocol::decode(text) {
        // A decoded frame re-encodes and decodes to itself.
        let again = serde_json::to_string(&frame).expect("encode");
        let back = handsup::protocol::decode(&again).expect("re-decode");
        assert_eq!(back, frame);
        // And turns into a room command without panicking.
        let participant = handsup::domain::ParticipantId(uuid::Uuid::from_u128(1));
        let _ = frame.msg.into_command(Some(participant));
    }
});
