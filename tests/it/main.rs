//! Integration tests: the real server on port 0, driven by real WebSocket and HTTP clients.

mod activities;
mod bad_input;
mod closes;
mod cluster;
mod deck;
mod embed;
mod embed_http;
mod failover;
mod fanout;
mod grid;
mod http_errors;
mod ideas_words;
mod limits;
mod number;
mod pin;
mod protocol_doc;
mod resilience;
mod restart;
mod results_image;
mod rooms_api;
mod support;
mod templates_export;
mod trust;
mod voting;
