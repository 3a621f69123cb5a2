//! Pin on an image: the facilitator puts up a picture (an estate map, a floor plan) and each
//! participant drops up to N pins on it, each with a short comment if the facilitator allows
//! them ("where do you feel unsafe at night?"). The screen shows the pins and a heat map of where
//! they gather; the export gives every pin's coordinates.
//!
//! The picture travels in the command that sets it (base64 in the log), so a restart, an export
//! or another node reading the log has the same picture. It is checked here, where the command is
//! applied: PNG, JPEG or WebP, read from its header, whole (not cut short), within the size
//! limits; the outcome depends only on the bytes, so every replay decides the same.
//!
//! Positions are whole numbers from 0 to 10,000 across and down (0, 0 is the top left corner), so
//! they do not depend on the size the picture is shown at.

use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_optional_text, clean_text,
    reject,
};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const MAX_QUESTION_CHARS: usize = 300;
pub const MAX_ALT_CHARS: usize = 500;
pub const MAX_COMMENT_CHARS: usize = 140;
pub const MAX_PINS: u32 = 10;
/// The far edge of the picture: positions run from 0 to this, across and down.
pub const SCALE: u32 = 10_000;
/// The largest picture any room takes, whatever the server's upload limit says.
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_IMAGE_SIDE: usize = 10_000;
pub const MAX_IMAGE_PIXELS: usize = 40_000_000;
/// The heat map's columns; its rows follow the picture's shape (at most twice as many).
pub const HEAT_COLS: u32 = 20;
/// The screen shows the latest this many pins (the heat map counts them all).
pub const MAX_SHOWN_PINS: usize = 300;
/// The screen lists the latest this many comments.
pub const MAX_SHOWN_COMMENTS: usize = 20;

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinSpec {
    pub question: String,
    /// Pins per participant, 1 to 10.
    #[serde(default = "one")]
    pub max_pins: u32,
    /// Whether a pin may carry a short comment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comments: bool,
    /// What the picture shows, for people who cannot see it ("Map of the estate: the three
    /// blocks, the car park to the north, the play area in the middle").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
}

/// What a participant sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    /// Drops a pin; `replace` moves one of the participant's own pins here instead.
    Pin {
        activity: ActivityId,
        x: u32,
        y: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replace: Option<u32>,
    },
    /// Takes one of the participant's own pins away.
    Unpin { activity: ActivityId, pin: u32 },
}

/// What the facilitator tells a pin activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    /// Puts up the picture (base64 of the file), or takes it down (`null`). Refused once pins
    /// are on the current one: start a new round first, which keeps them with their picture.
    SetPinImage {
        activity: ActivityId,
        image: Option<String>,
    },
    /// Removes any participant's pin (an abusive comment, a pin in jest).
    RemovePin { activity: ActivityId, pin: u32 },
}

/// The picture's bytes: compared and cloned cheaply, printed by size only.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageBytes(pub Arc<[u8]>);

/// In a snapshot the picture is its bytes (a byte string in binary formats).
impl serde::Serialize for ImageBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ImageBytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = ImageBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the picture's bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<ImageBytes, E> {
                Ok(ImageBytes(Arc::from(bytes)))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<ImageBytes, E> {
                Ok(ImageBytes(Arc::from(bytes)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ImageBytes, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 24));
                while let Some(byte) = seq.next_element::<u8>()? {
                    bytes.push(byte);
                }
                Ok(ImageBytes(Arc::from(bytes)))
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

impl std::fmt::Debug for ImageBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageBytes({} bytes)", self.0.len())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PinImage {
    pub info: ImageInfo,
    pub bytes: ImageBytes,
}

/// What a view says of the picture; `id` names these exact bytes (its address ends `?v=<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub id: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

impl PinImage {
    /// Checks a picture: PNG, JPEG or WebP by its header (whatever it is called), whole, at most
    /// `max_bytes` and within the size limits. The error says what is wrong.
    pub fn check(data: &[u8], max_bytes: usize) -> Result<PinImage, Rejection> {
        let bad = |detail: String| reject(RejectCode::InvalidImage, detail);
        if data.is_empty() {
            return bad("the file is empty".into());
        }
        let limit = max_bytes.min(MAX_IMAGE_BYTES);
        if data.len() > limit {
            return bad(format!(
                "the picture is {} KB; at most {} KB is allowed",
                data.len().div_ceil(1024),
                limit / 1024
            ));
        }
        let mime = match imagesize::image_type(data) {
            Ok(imagesize::ImageType::Png) => "image/png",
            Ok(imagesize::ImageType::Jpeg) => "image/jpeg",
            Ok(imagesize::ImageType::Webp) => "image/webp",
            _ => return bad("the file is not a PNG, JPEG or WebP picture".into()),
        };
        let whole = match mime {
            // The last chunk of every PNG is IEND, with its fixed checksum.
            "image/png" => data.ends_with(b"IEND\xAE\x42\x60\x82"),
            // A JPEG ends with its end-of-image marker (some tools pad after it with zeros).
            "image/jpeg" => {
                let end = data.iter().rposition(|b| *b != 0).unwrap_or(0);
                end >= 1 && data[end - 1] == 0xFF && data[end] == 0xD9
            }
            // A WebP's RIFF header says how long the file is.
            _ => {
                data.len() >= 12
                    && u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize + 8
                        == data.len()
            }
        };
        if !whole {
            return bad("the picture is cut short or damaged; save it again and retry".into());
        }
        let size = match imagesize::blob_size(data) {
            Ok(size) => size,
            Err(_) => return bad("the picture's header cannot be read".into()),
        };
        if size.width == 0
            || size.height == 0
            || size.width > MAX_IMAGE_SIDE
            || size.height > MAX_IMAGE_SIDE
            || size.width.saturating_mul(size.height) > MAX_IMAGE_PIXELS
        {
            return bad(format!(
                "the picture is {}×{} pixels; each side may be at most {MAX_IMAGE_SIDE} and \
                 the whole at most {} megapixels",
                size.width,
                size.height,
                MAX_IMAGE_PIXELS / 1_000_000
            ));
        }
        let digest = Sha256::digest(data);
        let id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(PinImage {
            info: ImageInfo {
                id,
                mime: mime.into(),
                width: size.width as u32,
                height: size.height as u32,
                bytes: data.len() as u64,
            },
            bytes: ImageBytes(Arc::from(data)),
        })
    }

    /// The heat map's rows for this picture's shape.
    fn heat_rows(&self) -> u32 {
        let rows = (f64::from(HEAT_COLS) * f64::from(self.info.height)
            / f64::from(self.info.width))
        .round();
        (rows as u32).clamp(1, 2 * HEAT_COLS)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Mark {
    who: ParticipantId,
    x: u32,
    y: u32,
    comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pin {
    spec: PinSpec,
    image: Option<PinImage>,
    /// Every pin by id; ids grow, so this is also the order they were placed in.
    marks: BTreeMap<u32, Mark>,
    mine: BTreeMap<ParticipantId, BTreeSet<u32>>,
    next_pin: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinView {
    pub question: String,
    pub max_pins: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comments: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    /// Absent until the facilitator puts up a picture (nobody can pin before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<PinResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinResults {
    /// How many people placed at least one pin.
    pub voters: u64,
    pub pins: u64,
    pub heat: Heat,
    /// The latest pins (at most 300), for the screen and the console; phones and embeds get the
    /// heat map only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<MarkView>,
    /// The latest comments (at most 20), newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<CommentView>,
}

/// How many pins fall in each cell of a `cols` × `rows` grid over the picture, row by row from
/// the top left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heat {
    pub cols: u32,
    pub rows: u32,
    pub counts: Vec<u32>,
    /// The largest count, for scaling the colours.
    pub max: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkView {
    /// For the host only (to remove a pin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    pub x: u32,
    pub y: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    pub x: u32,
    pub y: u32,
    pub text: String,
}

/// One of a participant's own pins, for their phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPin {
    pub id: u32,
    pub x: u32,
    pub y: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Pin {
    pub fn new(spec: &PinSpec) -> Result<Self, Rejection> {
        let mut pin = Pin {
            spec: spec.clone(),
            image: None,
            marks: BTreeMap::new(),
            mine: BTreeMap::new(),
            next_pin: 0,
        };
        pin.edit(spec)?;
        Ok(pin)
    }

    /// Changes the question and rules. A lower `max_pins` keeps each person's latest pins.
    pub fn edit(&mut self, spec: &PinSpec) -> Result<(), Rejection> {
        let question = clean_text(&spec.question, MAX_QUESTION_CHARS, "the question")?;
        let alt = clean_optional_text(spec.alt.as_deref(), MAX_ALT_CHARS, "the description")?;
        if !(1..=MAX_PINS).contains(&spec.max_pins) {
            return reject(
                RejectCode::InvalidActivity,
                format!("max_pins must be 1 to {MAX_PINS}"),
            );
        }
        self.spec = PinSpec {
            question,
            max_pins: spec.max_pins,
            comments: spec.comments,
            alt,
        };
        let max = spec.max_pins as usize;
        let mut dropped = Vec::new();
        for pins in self.mine.values_mut() {
            while pins.len() > max {
                if let Some(oldest) = pins.pop_first() {
                    dropped.push(oldest);
                }
            }
        }
        for id in dropped {
            self.marks.remove(&id);
        }
        Ok(())
    }

    pub fn spec(&self) -> PinSpec {
        self.spec.clone()
    }

    pub fn image(&self) -> Option<&PinImage> {
        self.image.as_ref()
    }

    pub fn control(&mut self, command: &HostCommand) -> Result<(), Rejection> {
        match command {
            HostCommand::SetPinImage { image, .. } => {
                if !self.marks.is_empty() {
                    return reject(
                        RejectCode::ImageInUse,
                        "pins are on this picture: start a new round (reset) to change it, \
                         which keeps them with it",
                    );
                }
                self.image = match image {
                    None => None,
                    Some(encoded) => {
                        let Ok(data) = base64::engine::general_purpose::STANDARD.decode(encoded)
                        else {
                            return reject(
                                RejectCode::InvalidImage,
                                "the picture must be sent as base64",
                            );
                        };
                        Some(PinImage::check(&data, MAX_IMAGE_BYTES)?)
                    }
                };
                Ok(())
            }
            HostCommand::RemovePin { pin, .. } => match self.marks.remove(pin) {
                Some(mark) => {
                    self.forget(&mark.who, *pin);
                    Ok(())
                }
                None => reject(RejectCode::PinNotFound, format!("there is no pin {pin}")),
            },
        }
    }

    fn forget(&mut self, who: &ParticipantId, pin: u32) {
        if let Some(pins) = self.mine.get_mut(who) {
            pins.remove(&pin);
            if pins.is_empty() {
                self.mine.remove(who);
            }
        }
    }

    fn own(&self, who: &ParticipantId, pin: u32) -> Result<(), Rejection> {
        if self.mine.get(who).is_some_and(|pins| pins.contains(&pin)) {
            Ok(())
        } else {
            reject(RejectCode::PinNotFound, format!("you have no pin {pin}"))
        }
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        match command {
            AnswerCommand::Pin {
                activity,
                x,
                y,
                comment,
                replace,
            } => {
                if self.image.is_none() {
                    return reject(
                        RejectCode::NoImage,
                        "the facilitator has not put up the picture yet",
                    );
                }
                if *x > SCALE || *y > SCALE {
                    return reject(
                        RejectCode::OutOfRange,
                        format!("a position runs from 0 to {SCALE} across and down"),
                    );
                }
                let comment =
                    clean_optional_text(comment.as_deref(), MAX_COMMENT_CHARS, "a comment")?;
                if comment.is_some() && !self.spec.comments {
                    return reject(
                        RejectCode::CommentsOff,
                        "this activity takes pins without comments",
                    );
                }
                match replace {
                    Some(old) => self.own(&cx.who, *old)?,
                    None => {
                        let placed = self.mine.get(&cx.who).map_or(0, BTreeSet::len);
                        if placed >= self.spec.max_pins as usize {
                            return reject(
                                RejectCode::TooManyPins,
                                format!(
                                    "you have placed all your pins ({}); move or remove one",
                                    self.spec.max_pins
                                ),
                            );
                        }
                    }
                }
                let Some(next) = self.next_pin.checked_add(1) else {
                    return reject(RejectCode::TooManyPins, "this activity takes no more pins");
                };
                if let Some(old) = replace {
                    self.marks.remove(old);
                    self.forget(&cx.who, *old);
                }
                let id = self.next_pin;
                self.next_pin = next;
                self.marks.insert(
                    id,
                    Mark {
                        who: cx.who,
                        x: *x,
                        y: *y,
                        comment,
                    },
                );
                self.mine.entry(cx.who).or_default().insert(id);
                Ok(Outcome::PinPlaced {
                    activity: *activity,
                    pin: id,
                })
            }
            AnswerCommand::Unpin { activity, pin } => {
                self.own(&cx.who, *pin)?;
                self.marks.remove(pin);
                self.forget(&cx.who, *pin);
                Ok(Outcome::Answered(*activity))
            }
        }
    }

    /// The participant's pins, oldest first.
    pub fn answer(&self, who: &ParticipantId) -> Option<Vec<MyPin>> {
        let pins = self.mine.get(who)?;
        Some(
            pins.iter()
                .filter_map(|id| {
                    self.marks.get(id).map(|m| MyPin {
                        id: *id,
                        x: m.x,
                        y: m.y,
                        comment: m.comment.clone(),
                    })
                })
                .collect(),
        )
    }

    pub fn clear(&mut self) {
        self.marks.clear();
        self.mine.clear();
    }

    pub fn responses(&self) -> u64 {
        self.mine.len() as u64
    }

    fn heat(&self) -> Heat {
        let rows = self.image.as_ref().map_or(HEAT_COLS, PinImage::heat_rows);
        // Cells are half-open, [k/n, (k+1)/n), the last one taking the far edge too.
        let cell = |v: u32, cells: u32| {
            ((u64::from(v) * u64::from(cells) / u64::from(SCALE)) as u32).min(cells - 1)
        };
        let mut counts = vec![0u32; (HEAT_COLS * rows) as usize];
        for mark in self.marks.values() {
            let index = (cell(mark.y, rows) * HEAT_COLS + cell(mark.x, HEAT_COLS)) as usize;
            if let Some(count) = counts.get_mut(index) {
                *count += 1;
            }
        }
        let max = counts.iter().copied().max().unwrap_or(0);
        Heat {
            cols: HEAT_COLS,
            rows,
            counts,
            max,
        }
    }

    pub fn results(&self, audience: Audience) -> PinResults {
        let screen = matches!(audience, Audience::Host | Audience::Presenter);
        let host = audience == Audience::Host;
        let (marks, comments) = if screen {
            let marks = self
                .marks
                .iter()
                .rev()
                .take(MAX_SHOWN_PINS)
                .map(|(id, m)| MarkView {
                    id: host.then_some(*id),
                    x: m.x,
                    y: m.y,
                })
                .collect();
            let comments = if self.spec.comments {
                self.marks
                    .iter()
                    .rev()
                    .filter_map(|(id, m)| {
                        m.comment.as_ref().map(|text| CommentView {
                            id: host.then_some(*id),
                            x: m.x,
                            y: m.y,
                            text: text.clone(),
                        })
                    })
                    .take(MAX_SHOWN_COMMENTS)
                    .collect()
            } else {
                Vec::new()
            };
            (marks, comments)
        } else {
            (Vec::new(), Vec::new())
        };
        PinResults {
            voters: self.responses(),
            pins: self.marks.len() as u64,
            heat: self.heat(),
            marks,
            comments,
        }
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> PinView {
        PinView {
            question: self.spec.question.clone(),
            max_pins: self.spec.max_pins,
            comments: self.spec.comments,
            alt: self.spec.alt.clone(),
            image: self.image.as_ref().map(|i| i.info.clone()),
            results: (results_shown || audience == Audience::Host).then(|| self.results(audience)),
        }
    }

    /// Every pin in the order placed: (participant, pin id, x, y, comment), for exports.
    pub fn every_pin(&self) -> impl Iterator<Item = (&ParticipantId, u32, u32, u32, Option<&str>)> {
        self.marks
            .iter()
            .map(|(id, m)| (&m.who, *id, m.x, m.y, m.comment.as_deref()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A real 1×1 PNG.
    pub const TINY_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn spec(max_pins: u32, comments: bool) -> PinSpec {
        PinSpec {
            question: "Where do you feel unsafe at night?".into(),
            max_pins,
            comments,
            alt: Some("Map of the estate".into()),
        }
    }

    /// The header of a `width` × `height` PNG, with an IEND after it (enough for the checks).
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        data.extend(width.to_be_bytes());
        data.extend(height.to_be_bytes());
        data.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        data.extend(b"\x00\x00\x00\x00IEND\xAE\x42\x60\x82");
        data
    }

    fn b64(data: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(data)
    }

    fn with_image(p: &mut Pin, data: &[u8]) -> Result<(), Rejection> {
        p.control(&HostCommand::SetPinImage {
            activity: ActivityId(0),
            image: Some(b64(data)),
        })
    }

    fn drop_pin(
        p: &mut Pin,
        who: u128,
        x: u32,
        y: u32,
        comment: Option<&str>,
        replace: Option<u32>,
    ) -> Result<Outcome, Rejection> {
        p.apply(
            &AnswerCommand::Pin {
                activity: ActivityId(0),
                x,
                y,
                comment: comment.map(str::to_string),
                replace,
            },
            &AnswerContext {
                who: pid(who),
                name: None,
                at: 0,
            },
        )
    }

    fn placed(outcome: Outcome) -> u32 {
        match outcome {
            Outcome::PinPlaced { pin, .. } => pin,
            other => panic!("not a pin: {other:?}"),
        }
    }

    #[test]
    fn pictures_are_checked_by_their_header_and_their_end() {
        let png_bytes = base64::engine::general_purpose::STANDARD
            .decode(TINY_PNG)
            .unwrap();
        let image = PinImage::check(&png_bytes, MAX_IMAGE_BYTES).unwrap();
        assert_eq!(
            (
                image.info.mime.as_str(),
                image.info.width,
                image.info.height
            ),
            ("image/png", 1, 1)
        );
        assert_eq!(image.info.id.len(), 16);
        let map = PinImage::check(&png(1600, 900), MAX_IMAGE_BYTES).unwrap();
        assert_eq!((map.info.width, map.info.height), (1600, 900));
        assert_ne!(map.info.id, image.info.id);
        // A JPEG: SOI, an SOF0 segment with 640×480, then EOI (and zero padding after it).
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
        jpeg.extend(480u16.to_be_bytes());
        jpeg.extend(640u16.to_be_bytes());
        jpeg.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        jpeg.extend([0xFF, 0xD9, 0, 0]);
        let j = PinImage::check(&jpeg, MAX_IMAGE_BYTES).unwrap();
        assert_eq!(
            (j.info.mime.as_str(), j.info.width, j.info.height),
            ("image/jpeg", 640, 480)
        );
        // A lossless WebP of 300×200 (VP8L: 14-bit sizes minus one).
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L".to_vec();
        webp.extend(5u32.to_le_bytes());
        let bits: u32 = (300 - 1) | ((200 - 1) << 14);
        webp.push(0x2F);
        webp.extend(bits.to_le_bytes());
        webp.push(0);
        let len = (webp.len() - 8) as u32;
        webp[4..8].copy_from_slice(&len.to_le_bytes());
        let w = PinImage::check(&webp, MAX_IMAGE_BYTES).unwrap();
        assert_eq!(
            (w.info.mime.as_str(), w.info.width, w.info.height),
            ("image/webp", 300, 200)
        );

        let refused = |data: &[u8], max: usize| PinImage::check(data, max).unwrap_err();
        for (data, max, says) in [
            (Vec::new(), MAX_IMAGE_BYTES, "empty"),
            (
                b"GIF89a\x01\x00\x01\x00".to_vec(),
                MAX_IMAGE_BYTES,
                "not a PNG",
            ),
            (
                b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
                MAX_IMAGE_BYTES,
                "not a PNG",
            ),
            (
                png_bytes[..png_bytes.len() - 12].to_vec(),
                MAX_IMAGE_BYTES,
                "cut short",
            ),
            (
                jpeg[..jpeg.len() - 4].to_vec(),
                MAX_IMAGE_BYTES,
                "cut short",
            ),
            (
                webp[..webp.len() - 1].to_vec(),
                MAX_IMAGE_BYTES,
                "cut short",
            ),
            (png(0, 10), MAX_IMAGE_BYTES, "pixels"),
            (png(20_000, 10), MAX_IMAGE_BYTES, "pixels"),
            (png(8_000, 8_000), MAX_IMAGE_BYTES, "megapixels"),
            (png(100, 100), 10, "at most"),
        ] {
            let err = refused(&data, max);
            assert_eq!(err.code, RejectCode::InvalidImage);
            assert!(err.detail.contains(says), "{says}: {}", err.detail);
        }
    }

    #[test]
    fn nobody_pins_before_the_picture_and_the_picture_stays_while_pins_are_on_it() {
        let mut p = Pin::new(&spec(2, false)).unwrap();
        assert_eq!(
            drop_pin(&mut p, 1, 10, 10, None, None).unwrap_err().code,
            RejectCode::NoImage
        );
        assert_eq!(
            p.control(&HostCommand::SetPinImage {
                activity: ActivityId(0),
                image: Some("not base64!".into()),
            })
            .unwrap_err()
            .code,
            RejectCode::InvalidImage
        );
        assert!(p.image().is_none(), "a refused picture changes nothing");
        with_image(&mut p, &png(1600, 900)).unwrap();
        drop_pin(&mut p, 1, 10, 10, None, None).unwrap();
        let before = p.clone();
        assert_eq!(
            with_image(&mut p, &png(800, 800)).unwrap_err().code,
            RejectCode::ImageInUse
        );
        assert_eq!(p, before);
        // A new round keeps the old pins elsewhere (Activity::reset); then the picture may change.
        p.clear();
        with_image(&mut p, &png(800, 800)).unwrap();
        assert_eq!(p.image().map(|i| i.info.width), Some(800));
    }

    #[test]
    fn each_person_drops_up_to_their_pins_moves_and_removes_them() {
        let mut p = Pin::new(&spec(2, true)).unwrap();
        with_image(&mut p, &png(1000, 500)).unwrap();
        let a = placed(drop_pin(&mut p, 1, 100, 200, Some("  dark  corner "), None).unwrap());
        let b = placed(drop_pin(&mut p, 1, 9_999, 9_999, None, None).unwrap());
        assert_eq!(
            drop_pin(&mut p, 1, 5, 5, None, None).unwrap_err().code,
            RejectCode::TooManyPins
        );
        // Moving keeps the count (and makes it the latest).
        let moved = placed(drop_pin(&mut p, 1, 5_000, 5_000, None, Some(b)).unwrap());
        assert!(moved > b);
        assert_eq!(
            p.answer(&pid(1)),
            Some(vec![
                MyPin {
                    id: a,
                    x: 100,
                    y: 200,
                    comment: Some("dark corner".into())
                },
                MyPin {
                    id: moved,
                    x: 5_000,
                    y: 5_000,
                    comment: None
                },
            ])
        );
        // Someone else's pin is not theirs to move or remove.
        let c = placed(drop_pin(&mut p, 2, 0, 0, None, None).unwrap());
        let before = p.clone();
        for refused in [
            drop_pin(&mut p, 1, 1, 1, None, Some(c)),
            drop_pin(&mut p, 2, 10_001, 0, None, None),
            drop_pin(
                &mut p,
                2,
                1,
                1,
                Some(&"x".repeat(MAX_COMMENT_CHARS + 1)),
                None,
            ),
            p.clone().apply(
                &AnswerCommand::Unpin {
                    activity: ActivityId(0),
                    pin: a,
                },
                &AnswerContext {
                    who: pid(2),
                    name: None,
                    at: 0,
                },
            ),
        ] {
            assert!(refused.is_err());
        }
        assert_eq!(p, before);
        p.apply(
            &AnswerCommand::Unpin {
                activity: ActivityId(0),
                pin: a,
            },
            &AnswerContext {
                who: pid(1),
                name: None,
                at: 0,
            },
        )
        .unwrap();
        assert_eq!(p.answer(&pid(1)).map(|pins| pins.len()), Some(1));
        // The host removes anyone's pin.
        p.control(&HostCommand::RemovePin {
            activity: ActivityId(0),
            pin: c,
        })
        .unwrap();
        assert_eq!(p.answer(&pid(2)), None);
        assert_eq!(p.responses(), 1);
        assert_eq!(
            p.control(&HostCommand::RemovePin {
                activity: ActivityId(0),
                pin: c,
            })
            .unwrap_err()
            .code,
            RejectCode::PinNotFound
        );
    }

    #[test]
    fn comments_only_where_allowed() {
        let mut p = Pin::new(&spec(1, false)).unwrap();
        with_image(&mut p, &png(100, 100)).unwrap();
        assert_eq!(
            drop_pin(&mut p, 1, 1, 1, Some("hello"), None)
                .unwrap_err()
                .code,
            RejectCode::CommentsOff
        );
        // A blank comment is no comment.
        drop_pin(&mut p, 1, 1, 1, Some("   "), None).unwrap();
        assert_eq!(p.answer(&pid(1)).unwrap()[0].comment, None);
    }

    #[test]
    fn the_heat_map_counts_every_pin_and_screens_see_the_latest() {
        let mut p = Pin::new(&spec(3, true)).unwrap();
        // Twice as wide as tall: 20 columns, 10 rows.
        with_image(&mut p, &png(2000, 1000)).unwrap();
        for who in 0..150u128 {
            // Three pins each: the top left corner, the centre, the bottom right corner.
            drop_pin(&mut p, who, 0, 0, None, None).unwrap();
            drop_pin(&mut p, who, 5_000, 5_000, Some("busy"), None).unwrap();
            drop_pin(&mut p, who, SCALE, SCALE, None, None).unwrap();
        }
        let r = p.results(Audience::Presenter);
        assert_eq!((r.voters, r.pins), (150, 450));
        assert_eq!((r.heat.cols, r.heat.rows), (20, 10));
        assert_eq!(r.heat.counts.len(), 200);
        assert_eq!(r.heat.counts.iter().sum::<u32>(), 450);
        assert_eq!(r.heat.counts[0], 150);
        assert_eq!(r.heat.counts[5 * 20 + 10], 150);
        assert_eq!(r.heat.counts[199], 150);
        assert_eq!(r.heat.max, 150);
        assert_eq!(r.marks.len(), MAX_SHOWN_PINS);
        assert!(
            r.marks.iter().all(|m| m.id.is_none()),
            "ids are for the host"
        );
        assert_eq!(r.comments.len(), MAX_SHOWN_COMMENTS);
        assert!(r.comments.iter().all(|c| c.text == "busy"));
        // The latest first: the last participant's bottom-right pin.
        assert_eq!((r.marks[0].x, r.marks[0].y), (SCALE, SCALE));
        let host = p.results(Audience::Host);
        assert!(host.marks.iter().all(|m| m.id.is_some()));
        // Phones and embeds get the heat map only: their frames stay small.
        for audience in [Audience::Participant, Audience::Embed] {
            let small = p.results(audience);
            assert!(small.marks.is_empty() && small.comments.is_empty());
            assert_eq!(small.heat, r.heat);
        }
        // Results hidden: the screen sees the picture, not the pins.
        let hidden = p.view(Audience::Presenter, false);
        assert!(hidden.results.is_none() && hidden.image.is_some());
    }

    #[test]
    fn fewer_pins_allowed_keeps_each_persons_latest() {
        let mut p = Pin::new(&spec(3, false)).unwrap();
        with_image(&mut p, &png(100, 100)).unwrap();
        for x in [10, 20, 30] {
            drop_pin(&mut p, 1, x, x, None, None).unwrap();
        }
        p.edit(&spec(1, false)).unwrap();
        let mine = p.answer(&pid(1)).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].x, 30);
        assert_eq!(p.results(Audience::Host).pins, 1);
        for bad in [spec(0, false), spec(MAX_PINS + 1, false)] {
            assert_eq!(
                Pin::new(&bad).unwrap_err().code,
                RejectCode::InvalidActivity
            );
        }
    }
}
