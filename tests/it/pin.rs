//! Pin on an image: the facilitator uploads an estate map, phones drop pins with comments, the
//! screen shows them with a heat map, bad files are refused, and the picture and pins survive a
//! restart because the log holds them.

use crate::support::*;
use serde_json::{Value, json};

/// A real PNG of `width` × `height` pixels (8-bit grey, stored deflate blocks), so that the
/// server sees exactly what a browser would send.
fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // no filter
        raw.extend((0..width).map(|x| ((x + y) % 256) as u8));
    }
    let mut zlib = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        zlib.push(u8::from(last));
        zlib.extend((block.len() as u16).to_le_bytes());
        zlib.extend((!(block.len() as u16)).to_le_bytes());
        zlib.extend(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = width.to_be_bytes().to_vec();
    header.extend(height.to_be_bytes());
    header.extend([8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn image_url(server: &TestServer, room: &Created, id: u64) -> String {
    format!(
        "{}/api/rooms/{}/activities/{id}/image",
        server.base, room.code
    )
}

async fn upload(
    server: &TestServer,
    room: &Created,
    id: u64,
    key: &str,
    data: Vec<u8>,
) -> (u16, Value) {
    let response = server
        .http
        .put(image_url(server, room, id))
        .bearer_auth(key)
        .header("content-type", "image/png")
        .body(data)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn phones_pin_the_estate_map_and_the_log_keeps_picture_and_pins() {
    let server = TestServer::start().await;
    let room = server.create_room("Estate walk").await;
    let mut host = server.host(&room).await;
    let id = add(
        &mut host,
        json!({"kind": "pin", "question": "Where do you feel unsafe at night?", "max_pins": 2,
               "comments": true, "alt": "Map of the estate: three blocks around a play area"}),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = server.presenter(&room.code).await;
    let mut priya = server.participant(&room.code, None, Some("Priya")).await;
    assert_eq!(
        priya
            .err(json!({"type": "pin", "activity": id, "x": 10, "y": 10}))
            .await,
        "no_image",
        "nobody pins before the picture is up"
    );

    // Bad uploads change nothing and say why.
    let map = png(320, 160);
    let (status, body) = upload(&server, &room, id, "wrong-key", map.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("not_host"))
    );
    let (status, body) = upload(&server, &room, id, &room.host_key, b"GIF89a....".to_vec()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_image"))
    );
    let (status, body) = upload(
        &server,
        &room,
        id,
        &room.host_key,
        map[..map.len() - 20].to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_image"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cut short")),
        "{body}"
    );
    let (status, body) = upload(&server, &room, id, &room.host_key, vec![0; 6 * 1024 * 1024]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let response = server
        .http
        .get(image_url(&server, &room, id))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404, "no picture yet");

    // The picture goes up; every screen learns of it.
    let (status, body) = upload(&server, &room, id, &room.host_key, map.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["image"]["mime"], "image/png");
    assert_eq!(
        (
            body["image"]["width"].as_u64(),
            body["image"]["height"].as_u64()
        ),
        (Some(320), Some(160))
    );
    let image_id = body["image"]["id"].as_str().expect("image id").to_string();
    let view = screen
        .wait_state(|v| v["activity"]["image"]["id"] == image_id.as_str())
        .await;
    assert_eq!(
        view["activity"]["alt"],
        "Map of the estate: three blocks around a play area"
    );
    let response = server
        .http
        .get(format!("{}?v={image_id}", image_url(&server, &room, id)))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .is_ok_and(|c| c.contains("immutable"))
    );
    let etag = response.headers()["etag"].clone();
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), map);
    let again = server
        .http
        .get(image_url(&server, &room, id))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), 304);

    // Pins: Priya drops two with comments, a third is refused; she moves one; ten others drop
    // one each near the car park (top right).
    let ack = priya
        .ok(json!({"type": "pin", "activity": id, "x": 2_000, "y": 3_000, "comment": "No lights by the bins"}))
        .await;
    let first = ack["id"].as_u64().expect("the ack names the pin");
    let ack = priya
        .ok(json!({"type": "pin", "activity": id, "x": 5_000, "y": 5_000}))
        .await;
    let second = ack["id"].as_u64().expect("pin id");
    assert_eq!(
        priya
            .err(json!({"type": "pin", "activity": id, "x": 1, "y": 1}))
            .await,
        "too_many_pins"
    );
    priya
        .ok(json!({"type": "pin", "activity": id, "x": 5_500, "y": 6_000, "replace": second}))
        .await;
    assert_eq!(
        priya
            .err(json!({"type": "pin", "activity": id, "x": 10_001, "y": 1, "replace": first}))
            .await,
        "out_of_range"
    );
    let mut phones = Vec::new();
    for i in 0..10u32 {
        let mut phone = server.participant(&room.code, None, None).await;
        phone
            .ok(json!({"type": "pin", "activity": id, "x": 9_000 + i * 50, "y": 500 + i * 50}))
            .await;
        phones.push(phone);
    }
    assert_eq!(
        phones[0]
            .err(json!({"type": "unpin", "activity": id, "pin": first}))
            .await,
        "pin_not_found",
        "nobody removes another's pin"
    );
    let me = priya
        .wait_me(|m| m["answers"][id.to_string()]["pins"][1]["x"] == 5_500)
        .await;
    let mine = &me["answers"][id.to_string()];
    assert_eq!(mine["kind"], "pin");
    assert_eq!(mine["pins"][0]["comment"], "No lights by the bins");

    let view = screen
        .wait_state(|v| v["activity"]["results"]["pins"] == 12)
        .await;
    let results = &view["activity"]["results"];
    assert_eq!(results["voters"], 11);
    let heat = &results["heat"];
    // 320 × 160: 20 columns, 10 rows.
    assert_eq!(
        (heat["cols"].as_u64(), heat["rows"].as_u64()),
        (Some(20), Some(10))
    );
    let counts: Vec<u64> = heat["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 12);
    // The car park: x 0.90–0.945 is column 18, y 0.05–0.095 is row 0.
    assert_eq!(counts[18], 10);
    assert_eq!(heat["max"], 10);
    assert_eq!(results["marks"].as_array().map(Vec::len), Some(12));
    assert_eq!(
        results["comments"],
        json!([{"x": 2_000, "y": 3_000, "text": "No lights by the bins"}])
    );
    // Phones see the heat map, not every pin.
    let phone_view = phones[0]
        .wait_state(|v| v["activity"]["results"]["pins"] == 12)
        .await;
    assert!(phone_view["activity"]["results"].get("marks").is_none());
    assert!(phone_view["activity"]["results"].get("comments").is_none());

    // The picture stays while pins are on it; the host removes a pin.
    let (status, body) = upload(&server, &room, id, &room.host_key, png(100, 100)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("image_in_use"))
    );
    let host_view = host
        .wait_host_state(|v| v["deck"][0]["results"]["pins"] == 12)
        .await;
    let removable = host_view["deck"][0]["results"]["marks"][0]["id"]
        .as_u64()
        .expect("the host sees pin ids");
    host.ok(json!({"type": "remove_pin", "activity": id, "pin": removable}))
        .await;
    screen
        .wait_state(|v| v["activity"]["results"]["pins"] == 11)
        .await;

    // The CSV: every pin with its share of the picture and its pixel.
    let csv = server.export_csv(&room, id).await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("round,participant,name,pin_id,x,y,x_px,y_px,comment")
    );
    assert_eq!(lines.count(), 11);
    assert!(
        csv.contains(&format!(
            "1,1,Priya,{first},0.2000,0.3000,63,47,No lights by the bins"
        )),
        "{csv}"
    );

    // A restart replays the log: the same picture, the same pins.
    drop((host, screen, priya, phones));
    let server = server.restart().await;
    let response = server
        .http
        .get(image_url(&server, &room, id))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), map);
    let mut screen = server.presenter(&room.code).await;
    let view = screen
        .wait_state(|v| v["activity"]["results"]["pins"] == 11)
        .await;
    assert_eq!(view["activity"]["image"]["id"], image_id.as_str());
}
