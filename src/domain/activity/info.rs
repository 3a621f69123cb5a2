//! Info: a text slide with talking points, shown on the screen and on phones.

use crate::domain::{RejectCode, Rejection, clean_optional_text, clean_text, reject};
use serde::{Deserialize, Serialize};

pub const MAX_BODY_CHARS: usize = 2_000;
pub const MAX_POINTS: usize = 20;
pub const MAX_POINT_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoSpec {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub points: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Info {
    spec: InfoSpec,
}

pub type InfoView = InfoSpec;

impl Info {
    pub fn new(spec: &InfoSpec) -> Result<Self, Rejection> {
        let mut info = Info {
            spec: InfoSpec {
                title: String::new(),
                body: String::new(),
                points: Vec::new(),
            },
        };
        info.edit(spec)?;
        Ok(info)
    }

    /// Keeps the body's line breaks (paragraphs); trims each talking point.
    pub fn edit(&mut self, spec: &InfoSpec) -> Result<(), Rejection> {
        let title = clean_text(&spec.title, 120, "the title")?;
        let body = spec.body.trim().replace("\r\n", "\n");
        if body.chars().count() > MAX_BODY_CHARS {
            return reject(
                RejectCode::TextTooLong,
                format!("the text is at most {MAX_BODY_CHARS} characters"),
            );
        }
        if spec.points.len() > MAX_POINTS {
            return reject(
                RejectCode::InvalidActivity,
                format!("at most {MAX_POINTS} talking points"),
            );
        }
        let mut points = Vec::with_capacity(spec.points.len());
        for point in &spec.points {
            if let Some(point) =
                clean_optional_text(Some(point), MAX_POINT_CHARS, "a talking point")?
            {
                points.push(point);
            }
        }
        self.spec = InfoSpec {
            title,
            body: body
                .chars()
                .filter(|c| !crate::domain::is_hidden_control(*c) || *c == '\n')
                .collect(),
            points,
        };
        Ok(())
    }

    pub fn spec(&self) -> InfoSpec {
        self.spec.clone()
    }

    pub fn view(&self) -> InfoView {
        self.spec.clone()
    }
}
