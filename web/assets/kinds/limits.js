// The server's limits, in one place for every page and kind module: text lengths (counted in
// characters, as the server counts them), how many words, ideas, dots, options and statements.
// They mirror the constants in src/domain (room.rs and activity/*.rs); the server stays the judge
// (it refuses with `text_too_long` and friends), these only keep the forms from offering more.

/** room.rs */
export const MAX_TITLE_CHARS = 120;
export const MAX_NAME_CHARS = 40;
export const MAX_NOTE_CHARS = 2_000;

/** Every kind's question or prompt (poll, ideas, wordcloud, qna, scales, ranking, points, quiz). */
export const MAX_PROMPT_CHARS = 300;

/** poll.rs (ranking, points and quiz options are held to the same length). */
export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 30;
export const MAX_OPTION_CHARS = 200;

/** ideas.rs */
export const MAX_IDEA_CHARS = 200;
export const MAX_SUBMISSIONS_PER_PARTICIPANT = 20;
export const MAX_DOTS = 20;

/** wordcloud.rs */
export const MAX_WORD_CHARS = 25;
export const MAX_WORDS_PER_PARTICIPANT = 3;

/** qna.rs */
export const MAX_QUESTION_CHARS = 280;

/** ranking.rs */
export const MAX_RANKING_OPTIONS = 10;

/** scales.rs */
export const MAX_STATEMENTS = 500;
export const MAX_STATEMENT_CHARS = 300;
export const MAX_THEME_CHARS = 80;
export const MAX_LABEL_CHARS = 40;

/** info.rs */
export const MAX_BODY_CHARS = 2_000;
export const MAX_POINTS = 20;
export const MAX_POINT_CHARS = 300;

/** circle.rs */
export const MAX_POST_CHARS = 500;
