//! The command path: decoded client frames applied to a room, as the hub does, by a few
//! participants and the host. Invariants: no panic; a refused command changes nothing; running
//! tallies equal a recount; nobody is counted twice; replaying the accepted commands rebuilds the
//! same room.
#![no_main]

use handsup::domain::{Command, ParticipantId, Room, RoomLimits};
use handsup::protocol::{Needs, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut room = Room::empty();
    let create = Command::Create {
        title: "fuzz".into(),
        seed: 1,
        limits: RoomLimits {
            max_participants: 4,
            max_activities: 8,
        },
    };
    room.apply(&create, 0).expect("create");
    let mut log = vec![(create, 0)];
    let people: Vec<ParticipantId> = (1..=3).map(|n| ParticipantId(uuid::Uuid::from_u128(n))).collect();
    for who in &people {
        let join = Command::Join { participant: *who, name: None };
        room.apply(&join, 1).expect("join");
        log.push((join, 1));
    }
    // One frame per line; the first byte of each line picks who sends it.
    for (i, line) in text.lines().enumerate() {
        let (who, body) = match line.char_indices().nth(1) {
            Some((at, _)) => (line.as_bytes()[0] as usize % people.len(), &line[at..]),
            None => continue,
        };
        let Ok(frame) = decode(body) else { continue };
        let participant = match frame.msg.needs() {
            Needs::Participant => Some(people[who]),
            _ => None,
        };
        let Some(command) = frame.msg.into_command(participant) else { continue };
        let at = 2 + i as i64;
        let before = room.clone();
        match room.apply(&command, at) {
            Ok(_) => log.push((command, at)),
            Err(_) => assert_eq!(room, before, "a refused command changed the room"),
        }
        for activity in room.deck() {
            assert!(activity.tallies_match_recount());
            assert!(activity.responses() <= room.participant_count());
        }
    }
    let mut replayed = Room::empty();
    for (command, at) in &log {
        let json = serde_json::to_string(command).expect("encode");
        let read: Command = serde_json::from_str(&json).expect("decode");
        replayed.apply(&read, *at).expect("replay accepts what was accepted");
    }
    assert_eq!(replayed, room);
});
