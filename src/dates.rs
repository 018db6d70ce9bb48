//! Typed dates over the raw strings DigiLocker sends.
//!
//! The PDFs' date formats are not uniform: birth dates and statistics are
//! `DDMMYYYY`, listings carry an RFC 3339 timestamp (with a stray leading
//! space in the samples) or `DD-MM-YYYY`, XML certificates `DD-MM-YYYY`,
//! and `consent_valid_till` is a Unix time. Each accessor below accepts
//! every shape the PDFs show and returns `None` for anything else; the raw
//! string stays in its field.

use std::sync::LazyLock;

use time::format_description::BorrowedFormatItem;
use time::{Date, OffsetDateTime};

use crate::auth::TokenResponse;
use crate::types::{
    IssuedDocument, IssuedDocumentV1, StatisticsResponse, UploadedItem, UserDetails,
};

type Format = Vec<BorrowedFormatItem<'static>>;

fn format(description: &'static str) -> Format {
    time::format_description::parse_borrowed::<2>(description).expect("a valid format description")
}

static DDMMYYYY: LazyLock<Format> = LazyLock::new(|| format("[day][month][year]"));
static DD_MM_YYYY: LazyLock<Format> = LazyLock::new(|| format("[day]-[month]-[year]"));
static YYYY_MM_DD: LazyLock<Format> = LazyLock::new(|| format("[year]-[month]-[day]"));

/// A calendar date in any of the shapes DigiLocker uses: `DDMMYYYY`,
/// `DD-MM-YYYY`, `YYYY-MM-DD`, or an RFC 3339 timestamp (its date as
/// written). Surrounding whitespace is ignored.
pub fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    if let Ok(at) = OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339) {
        return Some(at.date());
    }
    [&*DDMMYYYY, &*DD_MM_YYYY, &*YYYY_MM_DD]
        .into_iter()
        .find_map(|f| Date::parse(raw, f).ok())
}

fn date_of(field: &Option<String>) -> Option<Date> {
    field.as_deref().and_then(parse_date)
}

impl UserDetails {
    /// [`dob`](Self::dob) (`DDMMYYYY`) as a date.
    pub fn date_of_birth(&self) -> Option<Date> {
        date_of(&self.dob)
    }
}

impl TokenResponse {
    /// [`dob`](Self::dob) (`DDMMYYYY`) as a date.
    pub fn date_of_birth(&self) -> Option<Date> {
        date_of(&self.dob)
    }

    /// [`consent_valid_till`](Self::consent_valid_till) (Unix seconds) as a
    /// UTC time.
    pub fn consent_valid_until(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.consent_valid_till?).ok()
    }
}

impl IssuedDocument {
    /// [`date`](Self::date), when the certificate last changed, as a date.
    pub fn modified_on(&self) -> Option<Date> {
        date_of(&self.date)
    }
}

impl IssuedDocumentV1 {
    /// [`date`](Self::date), when the certificate last changed, as a date.
    pub fn modified_on(&self) -> Option<Date> {
        date_of(&self.date)
    }
}

impl UploadedItem {
    /// [`date`](Self::date), the upload date, as a date.
    pub fn uploaded_on(&self) -> Option<Date> {
        date_of(&self.date)
    }
}

impl StatisticsResponse {
    /// [`count_as_on`](Self::count_as_on) (`DDMMYYYY`) as a date.
    pub fn counted_on(&self) -> Option<Date> {
        parse_date(&self.count_as_on)
    }
}

impl crate::xml::Person {
    /// [`dob`](Self::dob) (`DD-MM-YYYY` in certificates) as a date.
    pub fn date_of_birth(&self) -> Option<Date> {
        date_of(&self.dob)
    }
}

impl crate::xml::EAadhaar {
    /// [`dob`](Self::dob) (`DD-MM-YYYY` in e-Aadhaar) as a date.
    pub fn date_of_birth(&self) -> Option<Date> {
        date_of(&self.dob)
    }
}

#[cfg(test)]
mod tests {
    use time::Month;

    use super::*;

    #[test]
    fn every_shape_the_pdfs_show() {
        let may12 = Date::from_calendar_date(2015, Month::May, 12).unwrap();
        assert_eq!(parse_date(" 2015-05-12T15:50:38Z"), Some(may12));
        assert_eq!(parse_date("2015-05-12T15:50:38+05:30"), Some(may12));
        assert_eq!(parse_date("12052015"), Some(may12));
        assert_eq!(parse_date("12-05-2015"), Some(may12));
        assert_eq!(parse_date("2015-05-12"), Some(may12));
        for bad in [
            "",
            "31022015",
            "2015/05/12",
            "12-5-2015",
            "yesterday",
            "1205201",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn accessors_read_their_fields() {
        let user: UserDetails = serde_json::from_value(serde_json::json!({
            "digilockerid": "d", "name": "n", "dob": "31121970"
        }))
        .unwrap();
        assert_eq!(
            user.date_of_birth(),
            Some(Date::from_calendar_date(1970, Month::December, 31).unwrap())
        );
        assert_eq!(user.dob.as_deref(), Some("31121970"), "the raw value stays");
        let stats: StatisticsResponse =
            serde_json::from_value(serde_json::json!({
                "count_as_on": "31072019", "users": "1", "issuers": "1", "requesters": "1", "authentic_documents": "1"
            }))
            .unwrap();
        assert_eq!(
            stats.counted_on(),
            Some(Date::from_calendar_date(2019, Month::July, 31).unwrap())
        );
    }
}
