//! Every request signature the sandbox received (the `ts` and `hmac` fields
//! of signed form and multipart bodies), so a signature sent twice shows.
//!
//! A repeat is recorded, not refused: the request hash covers `ts` in whole
//! seconds, so a client that signs the same request twice within one second
//! legitimately sends the same hash twice.

use std::collections::HashSet;

/// One signed request as the sandbox received it, faulted or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedSignature {
    /// Path without the `/public` prefix, e.g. `/oauth2/1/pull/issuers`.
    pub path: String,
    /// The `ts` field as sent.
    pub ts: String,
    /// The request hash (`hmac` field) as sent.
    pub hmac: String,
    /// Whether an earlier request to the same path carried the same hash.
    pub reused: bool,
}

/// The signatures received so far, oldest first.
#[derive(Debug, Default)]
pub(crate) struct SignatureLedger {
    received: Vec<ReceivedSignature>,
    seen: HashSet<(String, String)>,
}

impl SignatureLedger {
    /// Records the signature among `fields`, if the request carries one.
    pub(crate) fn record<'a>(
        &mut self,
        path: &str,
        mut fields: impl Iterator<Item = (&'a str, &'a str)>,
    ) {
        let (mut ts, mut hmac) = (None, None);
        for (name, value) in fields.by_ref() {
            match name {
                "ts" => ts = Some(value),
                "hmac" => hmac = Some(value),
                _ => {}
            }
        }
        let (Some(ts), Some(hmac)) = (ts, hmac) else {
            return;
        };
        let reused = !self.seen.insert((path.to_string(), hmac.to_string()));
        self.received.push(ReceivedSignature {
            path: path.to_string(),
            ts: ts.to_string(),
            hmac: hmac.to_string(),
            reused,
        });
    }

    /// Every signature received, oldest first.
    pub(crate) fn received(&self) -> &[ReceivedSignature] {
        &self.received
    }

    /// Forgets every signature.
    pub(crate) fn clear(&mut self) {
        self.received.clear();
        self.seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_hash_on_the_same_path_is_marked_reused() {
        let mut ledger = SignatureLedger::default();
        ledger.record("/a", [("ts", "1"), ("hmac", "h1")].into_iter());
        ledger.record("/a", [("hmac", "h2"), ("ts", "2")].into_iter());
        ledger.record("/b", [("ts", "1"), ("hmac", "h1")].into_iter());
        ledger.record("/a", [("ts", "1"), ("hmac", "h1")].into_iter());
        ledger.record("/a", [("ts", "3")].into_iter());
        let reused: Vec<bool> = ledger.received().iter().map(|s| s.reused).collect();
        assert_eq!(reused, [false, false, false, true]);
        ledger.clear();
        assert!(ledger.received().is_empty());
    }
}
