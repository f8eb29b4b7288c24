//! Keyset paging with opaque tokens. A token encodes the sort key of the last
//! row returned, so pages stay free of gaps and duplicates while rows are
//! added, and a token cannot be used to jump to arbitrary offsets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::StorageError;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A validated page request: size clamped, token decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub size: u32,
    /// The sort key of the last row of the previous page.
    pub after: Option<(String, String)>,
}

impl PageRequest {
    /// `page_size` 0 means the default; above the maximum it is clamped (as
    /// Google AIP-158 advises), so a client never gets an unbounded page.
    pub fn new(page_size: u32, page_token: &str) -> Result<Self, StorageError> {
        let size = match page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        };
        let after = if page_token.is_empty() {
            None
        } else {
            Some(decode(page_token).ok_or(StorageError::BadPageToken)?)
        };
        Ok(PageRequest { size, after })
    }

    pub fn first(size: u32) -> Self {
        PageRequest { size, after: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Empty when this is the last page.
    pub next_page_token: String,
}

impl<T> Page<T> {
    /// Builds a page from `size + 1` fetched rows: the extra row only says
    /// whether another page exists.
    pub fn from_rows(mut rows: Vec<T>, size: u32, key: impl Fn(&T) -> (String, String)) -> Self {
        let size = size as usize;
        let next_page_token = if rows.len() > size {
            rows.truncate(size);
            rows.last().map(|r| encode(&key(r))).unwrap_or_default()
        } else {
            String::new()
        };
        Page {
            items: rows,
            next_page_token,
        }
    }
}

fn encode((a, b): &(String, String)) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&["v1", a, b]).expect("strings serialize"))
}

fn decode(token: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let [v, a, b]: [String; 3] = serde_json::from_slice(&bytes).ok()?;
    (v == "v1").then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_and_clamp() {
        assert_eq!(PageRequest::new(0, "").unwrap().size, DEFAULT_PAGE_SIZE);
        assert_eq!(PageRequest::new(5000, "").unwrap().size, MAX_PAGE_SIZE);
        assert_eq!(PageRequest::new(7, "").unwrap().size, 7);
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| (n.to_string(), "x".into()));
        assert_eq!(page.items, vec![1, 2]);
        let req = PageRequest::new(2, &page.next_page_token).unwrap();
        assert_eq!(req.after, Some(("2".into(), "x".into())));
        assert!(PageRequest::new(2, "garbage!").is_err());
        assert!(PageRequest::new(2, "AAAA").is_err());
    }

    #[test]
    fn last_page_has_no_token() {
        let page = Page::from_rows(vec![1, 2], 2, |n| (n.to_string(), String::new()));
        assert!(page.next_page_token.is_empty());
    }
}
