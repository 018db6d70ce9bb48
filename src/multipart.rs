//! The five `multipart/form-data` operations progenitor cannot generate:
//! verify account, push URI, statistics, sign-up and sign-up OTP.
//!
//! Each looks like a generated operation — `client.verify_account().body(..).send().await`
//! — and uses the generated request and response types. The body becomes one
//! text part per present field (no file names, no empty parts); the signing
//! layer adds `clientid`, `ts` and the request hash, fresh for every attempt.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use base64::Engine as _;

use crate::auth::{SignupResponse, TokenResponse};
use crate::error::from_reqwest;
use crate::operations::{self, OperationSpec};
use crate::types::{
    PushUriRequest, SignupRequest, SignupVerifyRequest, StatisticsRequest, StatisticsResponse,
    VerifyAccountRequest, VerifyAccountResponse, builder,
};
use crate::validate::Content;
use crate::{Client, Error, ResponseValue, ValidationError, transport, validate};

/// A multipart request body: its operation, response type and input checks.
pub trait MultipartBody: Serialize + Sized {
    /// The operation id in the patched spec.
    const OPERATION: &'static str;
    /// The typed response.
    type Response: DeserializeOwned + std::fmt::Debug;
    /// The generated builder of this body type.
    type Builder: Default + TryInto<Self, Error: std::fmt::Display>;
    /// Rejects bad input before anything is sent.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// A pending multipart operation. Set the body, then [`send`](Self::send).
#[must_use]
pub struct MultipartCall<'a, B: MultipartBody> {
    client: &'a Client,
    body: Result<B, String>,
    _marker: PhantomData<fn() -> B>,
}

impl<B: MultipartBody + std::fmt::Debug> std::fmt::Debug for MultipartCall<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultipartCall")
            .field("operation", &B::OPERATION)
            .field("body", &self.body)
            .finish()
    }
}

impl<'a, B: MultipartBody> MultipartCall<'a, B> {
    fn new(client: &'a Client) -> Self {
        Self {
            client,
            body: B::Builder::default().try_into().map_err(|e| e.to_string()),
            _marker: PhantomData,
        }
    }

    /// Sets the whole body.
    pub fn body<V: TryInto<B>>(mut self, value: V) -> Self {
        self.body = value
            .try_into()
            .map_err(|_| format!("conversion to the {} body failed", B::OPERATION));
        self
    }

    /// Builds the body with the generated builder, e.g. `.body_map(|b| b.mobile("9999999999"))`.
    pub fn body_map(mut self, f: impl FnOnce(B::Builder) -> B::Builder) -> Self {
        self.body = f(B::Builder::default())
            .try_into()
            .map_err(|e| e.to_string());
        self
    }

    /// Validates, signs and sends the request.
    pub async fn send(self) -> Result<ResponseValue<B::Response>, Error> {
        let op = operations::by_id(B::OPERATION)
            .ok_or_else(|| Error::Config(format!("unknown operation {}", B::OPERATION)))?;
        let body = self
            .body
            .map_err(|reason| ValidationError::new("body", reason))?;
        body.validate()?;
        let fields = text_fields(&body)?;
        send_multipart(self.client, op, fields).await
    }
}

/// One text part per present field, in field order; `null` fields are left out.
fn text_fields<B: Serialize>(body: &B) -> Result<Vec<(String, String)>, Error> {
    let value = serde_json::to_value(body)
        .map_err(|e| ValidationError::new("body", format!("cannot encode: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(ValidationError::new("body", "must be an object").into());
    };
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((k, s)),
            other => Some((k, other.to_string())),
        })
        .filter(|(_, v)| !v.is_empty())
        .collect())
}

async fn send_multipart<R: DeserializeOwned>(
    client: &Client,
    op: &'static OperationSpec,
    fields: Vec<(String, String)>,
) -> Result<ResponseValue<R>, Error> {
    let url = url::Url::parse(&format!("{}{}", client.base_url(), op.path))
        .map_err(|e| Error::Config(format!("invalid URL: {e}")))?;
    // Every attempt gets a new form with a fresh `ts` and hash.
    let build = || {
        let mut signed = fields.clone();
        transport::signed_fields(client, op, &mut signed);
        let form = signed
            .into_iter()
            .fold(reqwest::multipart::Form::new(), |form, (k, v)| {
                form.text(k, v)
            });
        client.http().post(url.clone()).multipart(form).build()
    };
    let first = build().map_err(|e| from_reqwest(e, Some(op.id)))?;
    let response = transport::send_with(client, op, first, || build().ok()).await?;
    transport::decode_json(client, response, op).await
}

impl Client {
    /// Whether an account exists for an Aadhaar number or a mobile number
    /// (`POST /account/2/verify`). Set exactly one of `uid` and `mobile`.
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let answer = client.verify_account().body_map(|b| b.mobile("9999999999".to_string())).send().await?;
    /// println!("registered: {}", answer.registered);
    /// # Ok(()) }
    /// ```
    pub fn verify_account(&self) -> MultipartCall<'_, VerifyAccountRequest> {
        MultipartCall::new(self)
    }

    /// Adds, updates or deletes a document URI in a user's locker
    /// (`POST /account/1/pushuri`).
    pub fn push_uri(&self) -> MultipartCall<'_, PushUriRequest> {
        MultipartCall::new(self)
    }

    /// DigiLocker's statistics (`POST /statistics/1/counts`).
    pub fn get_statistics(&self) -> MultipartCall<'_, StatisticsRequest> {
        MultipartCall::new(self)
    }

    /// Creates an account with Aadhaar demographic authentication
    /// (`POST /signup/2/demoauth`).
    #[deprecated(
        note = "removed from the Requester API Spec in v1.12; kept because the OpenAPI spec still has it"
    )]
    pub fn signup(&self) -> MultipartCall<'_, SignupRequest> {
        MultipartCall::new(self)
    }

    /// Verifies the sign-up OTP (`POST /signup/1/demoauthverify`).
    #[deprecated(
        note = "removed from the Requester API Spec in v1.12; kept because the OpenAPI spec still has it"
    )]
    pub fn verify_signup_otp(&self) -> MultipartCall<'_, SignupVerifyRequest> {
        MultipartCall::new(self)
    }
}

impl MultipartBody for VerifyAccountRequest {
    const OPERATION: &'static str = "verify_account";
    type Response = VerifyAccountResponse;
    type Builder = builder::VerifyAccountRequest;
    fn validate(&self) -> Result<(), ValidationError> {
        match (&self.uid, &self.mobile) {
            (Some(uid), None) => validate::aadhaar("uid", uid),
            (None, Some(mobile)) => validate::mobile("mobile", mobile),
            (Some(_), Some(_)) => Err(ValidationError::new(
                "uid",
                "set either uid or mobile, not both",
            )),
            (None, None) => Err(ValidationError::new("uid", "set uid or mobile")),
        }
    }
}

impl MultipartBody for PushUriRequest {
    const OPERATION: &'static str = "push_uri";
    /// The API "does not return any specific values" (servers send `{}` or nothing).
    type Response = serde::de::IgnoredAny;
    type Builder = builder::PushUriRequest;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::non_empty("digilockerid", &self.digilockerid)?;
        validate::document_uri("uri", &self.uri)?;
        validate::doctype("doctype", &self.doctype)?;
        validate::non_empty("description", &self.description)?;
        validate::non_empty("docid", &self.docid)?;
        validate::ddmmyyyy("issuedate", &self.issuedate)?;
        if let Some(d) = &self.validfrom {
            validate::ddmmyyyy("validfrom", d)?;
        }
        if let Some(d) = &self.validto {
            validate::ddmmyyyy("validto", d)?;
        }
        if let Some(content) = &self.doccontent {
            validate::base64_content("doccontent", content, Content::Pdf)?;
        }
        if let Some(content) = &self.datacontent {
            validate::base64_content("datacontent", content, Content::Xml)?;
        }
        Ok(())
    }
}

impl builder::PushUriRequest {
    /// Attaches the certificate as a PDF: `doccontent`, base64-encoded
    /// (MeriPehchaan v2.3 p.35). It is part of the request hash.
    pub fn document_pdf(self, pdf: &[u8]) -> Self {
        self.doccontent(Some(base64::engine::general_purpose::STANDARD.encode(pdf)))
    }

    /// Attaches the certificate's XML metadata: `datacontent`,
    /// base64-encoded (MeriPehchaan v2.3 p.35). It is part of the request hash.
    pub fn document_xml(self, xml: &[u8]) -> Self {
        self.datacontent(Some(base64::engine::general_purpose::STANDARD.encode(xml)))
    }
}

impl MultipartBody for StatisticsRequest {
    const OPERATION: &'static str = "get_statistics";
    type Response = StatisticsResponse;
    type Builder = builder::StatisticsRequest;
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}

impl MultipartBody for SignupRequest {
    const OPERATION: &'static str = "signup";
    type Response = SignupResponse;
    type Builder = builder::SignupRequest;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::aadhaar("uid", &self.uid)?;
        validate::non_empty("name", &self.name)?;
        validate::ddmmyyyy("dob", &self.dob)?;
        validate::mobile("mobile", &self.mobile)?;
        if self.consent.to_string() != "Y" {
            return Err(ValidationError::new(
                "consent",
                "the user must consent (Y) to Aadhaar demographic authentication",
            ));
        }
        Ok(())
    }
}

impl MultipartBody for SignupVerifyRequest {
    const OPERATION: &'static str = "verify_signup_otp";
    type Response = TokenResponse;
    type Builder = builder::SignupVerifyRequest;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::mobile("mobile", &self.mobile)?;
        validate::digits("otp", &self.otp, 4..=8)
    }
}
