// The server's limits in one place, for every page and kind: they mirror the constants in
// src/domain (room.rs, activity/*.rs). Lengths count characters, as the server does; the server
// still judges (`text_too_long` …), these only keep forms from offering more.

export const MAX_TITLE_CHARS = 120; // room.rs
export const MAX_NAME_CHARS = 40;
export const MAX_NOTE_CHARS = 2_000;
export const MAX_PROMPT_CHARS = 300; // every kind's question or prompt
export const MIN_OPTIONS = 2; // poll.rs (points and quiz options too)
export const MAX_OPTIONS = 30;
export const MAX_OPTION_CHARS = 200;
export const MAX_RANKING_OPTIONS = 10; // ranking.rs
export const MAX_IDEA_CHARS = 200; // ideas.rs
export const MAX_SUBMISSIONS_PER_PARTICIPANT = 20;
export const MAX_DOTS = 20;
export const MAX_WORD_CHARS = 25; // wordcloud.rs
export const MAX_WORDS_PER_PARTICIPANT = 3;
export const MAX_QUESTION_CHARS = 280; // qna.rs
export const MAX_STATEMENTS = 500; // scales.rs
export const MAX_STATEMENT_CHARS = 300;
export const MAX_THEME_CHARS = 80;
export const MAX_LABEL_CHARS = 40;
export const MAX_BODY_CHARS = 2_000; // info.rs
export const MAX_POINTS = 20; // info.rs and groups.rs talking points
export const MAX_POINT_CHARS = 300;
export const MAX_POST_CHARS = 500; // circle.rs
export const MAX_NUMBER_ABS = 1_000_000_000_000; // number.rs: min, max and the correct value within ±this
export const MAX_UNIT_CHARS = 20;
export const MAX_PINS = 10; // pin.rs
export const MAX_PIN_COMMENT_CHARS = 140;
export const MAX_ALT_CHARS = 500;
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024; // any server's most (its own limit may be lower)
export const MAX_GRID_ITEMS = 20; // grid.rs
export const MAX_GRID_ITEM_CHARS = MAX_OPTION_CHARS;
export const MAX_AXIS_CHARS = 40; // an axis's label, each end word
export const MAX_QUADRANT_CHARS = 40;
export const GRID_SCALE = 100; // positions 0 to 100 (0: left, bottom)
