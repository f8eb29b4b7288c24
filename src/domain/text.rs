//! Human text as data (SPEC §12): a message id of the catalogs in `locales/`
//! and its arguments. The domain says *what* to tell a partner; `crate::i18n`
//! says it in the caller's language. No sentence is written in Rust.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// One message of the catalogs, with its arguments filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub id: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(Cow<'static, str>, Arg)>,
}

/// An argument of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    /// Names and ids: the same in every language (product names included,
    /// as Microsoft's Dutch documentation keeps them).
    Str(String),
    /// A number; it also chooses the plural form.
    Int(i64),
    /// Another message, said in the same language (a channel, a status).
    Text(Text),
    /// Items joined the language's way: "a, b and c", "a, b en c".
    List(Vec<Arg>),
    /// Whole sentences, one after the other.
    Sentences(Vec<Text>),
}

impl Text {
    pub fn new(id: &'static str) -> Self {
        Text {
            id: Cow::Borrowed(id),
            args: Vec::new(),
        }
    }

    /// The message `{prefix}-{value}` for a value of a closed set, e.g.
    /// `status-suspended` for `SUSPENDED`: the catalogs hold one message per
    /// value (a test walks every enum).
    pub fn named(prefix: &str, value: &str) -> Self {
        let value = value.to_lowercase().replace('_', "-");
        Text {
            id: Cow::Owned(format!("{prefix}-{value}")),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((Cow::Borrowed(name), value.into()));
        self
    }

    /// The argument called `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Str(s.clone())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(t)
    }
}

impl<T: Into<Arg>> From<Vec<T>> for Arg {
    fn from(items: Vec<T>) -> Self {
        Arg::List(items.into_iter().map(Into::into).collect())
    }
}

/// Reads what [`Text`] writes, and a plain string as stored before texts were
/// localized (an order's migration report): shown as it is in any language.
impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            id: String,
            #[serde(default)]
            args: Vec<(String, Arg)>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(Stored),
            Plain(String),
        }
        Ok(match Either::deserialize(d)? {
            Either::Text(t) => Text {
                id: Cow::Owned(t.id),
                args: t
                    .args
                    .into_iter()
                    .map(|(n, a)| (Cow::Owned(n), a))
                    .collect(),
            },
            Either::Plain(s) => Text::new("plain-text").arg("text", s),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_plain_strings() {
        let t = Text::new("reason-unpaid-balance")
            .arg("n", 3_i64)
            .arg("who", Text::named("channel", "THIS_PARTNER"))
            .arg("names", vec!["a", "b"]);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Text>(&json).unwrap(), t);
        let plain: Text = serde_json::from_str("\"Unblock the user.\"").unwrap();
        assert_eq!(
            plain,
            Text::new("plain-text").arg("text", "Unblock the user.")
        );
        assert_eq!(Text::named("status", "SUSPENDED").id, "status-suspended");
    }
}
