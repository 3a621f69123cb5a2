//! Identity without accounts: participant tokens signed with the server secret, host keys stored
//! only as hashes. The secret lives in the data directory and is created on first start.

use crate::domain::ParticipantId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Secret([u8; 32]);

impl Secret {
    /// Reads `secret.key` from the data directory, creating it (mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Secret> {
        let path = data_dir.join("secret.key");
        match std::fs::read(&path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} must hold exactly 32 bytes", path.display()),
                    )
                })?;
                Ok(Secret(key))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(&path)?;
                file.write_all(&key)?;
                file.sync_all()?;
                Ok(Secret(key))
            }
            Err(err) => Err(err),
        }
    }

    /// A new random secret.
    pub fn random() -> Secret {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Secret(key)
    }

    pub fn from_bytes(key: [u8; 32]) -> Secret {
        Secret(key)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    #[cfg(test)]
    pub fn fixed(byte: u8) -> Secret {
        Secret([byte; 32])
    }

    fn mac(&self, room: &str, participant: &ParticipantId) -> HmacSha256 {
        // A 32-byte key is always a valid HMAC key.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(room.as_bytes());
        mac.update(b":");
        mac.update(participant.0.as_bytes());
        mac
    }

    /// `<participant uuid>.<signature>`: valid for one room only.
    pub fn issue_token(&self, room: &str, participant: &ParticipantId) -> String {
        let signature = self.mac(room, participant).finalize().into_bytes();
        format!(
            "{}.{}",
            participant.0.simple(),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The participant a token names, if this server signed it for this room.
    pub fn verify_token(&self, room: &str, token: &str) -> Option<ParticipantId> {
        let (id, signature) = token.split_once('.')?;
        let participant = ParticipantId(uuid::Uuid::try_parse(id).ok()?);
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(room, &participant)
            .verify_slice(&signature)
            .ok()
            .map(|()| participant)
    }
}

/// A fresh host key: 24 random bytes, URL-safe.
pub fn new_host_key() -> String {
    let mut key = [0u8; 24];
    rand::rng().fill_bytes(&mut key);
    URL_SAFE_NO_PAD.encode(key)
}

pub fn hash_host_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares a presented host key with a stored hash without an early exit on the first
/// differing byte.
pub fn host_key_matches(presented: &str, stored_hash: &str) -> bool {
    let presented = hash_host_key(presented);
    presented.len() == stored_hash.len()
        && presented
            .bytes()
            .zip(stored_hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_for_their_room_only() {
        let secret = Secret::fixed(7);
        let who = ParticipantId(uuid::Uuid::from_u128(42));
        let token = secret.issue_token("12345678", &who);
        assert_eq!(secret.verify_token("12345678", &token), Some(who));
        assert_eq!(secret.verify_token("87654321", &token), None);
        assert_eq!(Secret::fixed(8).verify_token("12345678", &token), None);
        let other = ParticipantId(uuid::Uuid::from_u128(43));
        let forged = format!("{}.{}", other.0.simple(), token.split_once('.').unwrap().1);
        assert_eq!(secret.verify_token("12345678", &forged), None);
        assert_eq!(secret.verify_token("12345678", "garbage"), None);
    }

    #[test]
    fn host_keys_match_only_themselves() {
        let key = new_host_key();
        let hash = hash_host_key(&key);
        assert!(host_key_matches(&key, &hash));
        assert!(!host_key_matches(&new_host_key(), &hash));
        assert!(!host_key_matches("", &hash));
    }

    #[test]
    fn the_secret_persists_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secret::load_or_create(dir.path()).unwrap();
        let second = Secret::load_or_create(dir.path()).unwrap();
        let who = ParticipantId(uuid::Uuid::from_u128(1));
        assert_eq!(
            second.verify_token("11112222", &first.issue_token("11112222", &who)),
            Some(who)
        );
    }
}
