//! Languages (SPEC §12): the caller's language from `accept-language`, and
//! the domain's [`Text`]s said in it from the Project Fluent catalogs in
//! `locales/<lang>/*.ftl` (embedded at build time, so a binary never runs
//! without its texts).
//!
//! English and Dutch; English when nothing the caller accepts matches.

use std::borrow::Cow;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;

use crate::domain::text::{Arg, Text};

#[cfg(test)]
mod tests;

/// A language the service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Nl,
}

/// The catalog files of each language, in the same order for every language.
const FILES: &[&str] = &["common", "eligibility", "manual", "orders", "errors"];

fn sources(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::En => [
            include_str!("../../locales/en/common.ftl"),
            include_str!("../../locales/en/eligibility.ftl"),
            include_str!("../../locales/en/manual.ftl"),
            include_str!("../../locales/en/orders.ftl"),
            include_str!("../../locales/en/errors.ftl"),
        ],
        Lang::Nl => [
            include_str!("../../locales/nl/common.ftl"),
            include_str!("../../locales/nl/eligibility.ftl"),
            include_str!("../../locales/nl/manual.ftl"),
            include_str!("../../locales/nl/orders.ftl"),
            include_str!("../../locales/nl/errors.ftl"),
        ],
    }
}

impl Lang {
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Nl];

    /// The BCP 47 tag, as `google.rpc.LocalizedMessage.locale` carries it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    fn langid(self) -> LanguageIdentifier {
        self.tag().parse().expect("a valid language tag")
    }

    /// The language for an `accept-language` value: RFC 4647 lookup over the
    /// ranges in order of preference (`q` weights, then position), so `nl`,
    /// `nl-NL` and `nl-BE` answer Dutch; English when none matches or none is
    /// given.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let requested: Vec<LanguageIdentifier> = accept_language
            .map(ranges_by_preference)
            .unwrap_or_default();
        let available: Vec<LanguageIdentifier> = Lang::ALL.iter().map(|l| l.langid()).collect();
        let default = Lang::En.langid();
        let chosen = negotiate_languages(
            &requested,
            &available,
            Some(&default),
            NegotiationStrategy::Lookup,
        );
        Lang::ALL
            .iter()
            .copied()
            .find(|l| chosen.first().is_some_and(|c| **c == l.langid()))
            .unwrap_or(Lang::En)
    }

    /// `text` in this language. A message missing here is said in English;
    /// one missing there too (a bug the catalog tests catch) shows its id.
    pub fn render(self, text: &Text) -> String {
        match self.try_render(text) {
            Ok(s) => s,
            Err(problem) => {
                tracing::warn!(lang = self.tag(), id = %text.id, %problem, "message not rendered");
                if self == Lang::En {
                    text.id.to_string()
                } else {
                    Lang::En.render(text)
                }
            }
        }
    }

    /// `text` in this language, or what went wrong (a message or an argument
    /// missing from the catalog): the tests use it to check every message.
    pub fn try_render(self, text: &Text) -> Result<String, String> {
        BUNDLES.with(|bundles| {
            let bundle = match self {
                Lang::En => &bundles.0,
                Lang::Nl => &bundles.1,
            };
            format(self, bundle, text)
        })
    }
}

/// The language ranges of an `accept-language` value, most preferred first;
/// `q=0` ("not acceptable") and ranges that are no language tag are dropped.
fn ranges_by_preference(header: &str) -> Vec<LanguageIdentifier> {
    let mut ranges: Vec<(u16, LanguageIdentifier)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let tag = parts.next()?;
            let q = parts
                .find_map(|p| p.strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                })?;
            let id = tag.parse::<LanguageIdentifier>().ok()?;
            (q > 0 && !tag.is_empty() && tag != "*").then_some((q, id))
        })
        .collect();
    // Stable: equal weights keep the caller's order.
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    ranges.into_iter().map(|(_, id)| id).collect()
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let mut bundle = FluentBundle::new(vec![lang.langid()]);
    // Plain text for APIs and logs: no Unicode isolation marks around values.
    bundle.set_use_isolating(false);
    for (file, source) in FILES.iter().zip(sources(lang)) {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, e)| panic!("locales/{}/{file}.ftl: {e:?}", lang.tag()));
        bundle
            .add_resource(resource)
            .unwrap_or_else(|e| panic!("locales/{}/{file}.ftl: {e:?}", lang.tag()));
    }
    bundle
}

thread_local! {
    /// One bundle per language and thread: the plural rules' memoizer of a
    /// bundle is not shared, so rendering never waits on a lock. Parsing the
    /// catalogs takes well under a millisecond per thread.
    static BUNDLES: (Bundle, Bundle) = (bundle(Lang::En), bundle(Lang::Nl));
}

fn format(lang: Lang, bundle: &Bundle, text: &Text) -> Result<String, String> {
    let message = bundle
        .get_message(&text.id)
        .ok_or_else(|| format!("no message {}", text.id))?;
    let pattern = message
        .value()
        .ok_or_else(|| format!("message {} has no value", text.id))?;
    let mut args = FluentArgs::with_capacity(text.args.len());
    for (name, arg) in &text.args {
        args.set(name.clone(), value(lang, bundle, arg)?);
    }
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(&args), &mut errors);
    if errors.is_empty() {
        Ok(out.into_owned())
    } else {
        Err(format!("{}: {errors:?}", text.id))
    }
}

fn value<'a>(lang: Lang, bundle: &Bundle, arg: &'a Arg) -> Result<FluentValue<'a>, String> {
    Ok(match arg {
        Arg::Str(s) => FluentValue::String(Cow::Borrowed(s)),
        Arg::Int(n) => FluentValue::from(*n),
        Arg::Text(t) => FluentValue::String(Cow::Owned(format(lang, bundle, t)?)),
        Arg::List(items) => FluentValue::String(Cow::Owned(join(lang, bundle, items)?)),
        Arg::Sentences(texts) => {
            let said: Result<Vec<String>, String> =
                texts.iter().map(|t| format(lang, bundle, t)).collect();
            FluentValue::String(Cow::Owned(said?.join(" ")))
        }
    })
}

/// "a", "a and b", "a, b and c": the last two joined by `list-pair`, the
/// ones before by `list-more`, both from the catalog.
fn join(lang: Lang, bundle: &Bundle, items: &[Arg]) -> Result<String, String> {
    let mut said: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        said.push(match value(lang, bundle, item)? {
            FluentValue::String(s) => s.into_owned(),
            FluentValue::Number(n) => n.as_string().into_owned(),
            other => format!("{other:?}"),
        });
    }
    let Some(mut joined) = said.pop() else {
        return Ok(String::new());
    };
    if let Some(before) = said.pop() {
        joined = format(
            lang,
            bundle,
            &Text::new("list-pair")
                .arg("first", before)
                .arg("last", joined),
        )?;
    }
    while let Some(before) = said.pop() {
        joined = format(
            lang,
            bundle,
            &Text::new("list-more")
                .arg("first", before)
                .arg("rest", joined),
        )?;
    }
    Ok(joined)
}
