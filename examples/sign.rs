//! The first thing to run: prints a real upload signature, its expiry and what is inside it.
//!
//! ```text
//! cargo run --example sign
//! ```
//!
//! Signs with `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` when both are set, with
//! clearly labelled demo credentials otherwise.

use std::process::ExitCode;

use tencent_vod_signature::{
    Credentials, Error, SECRET_ID_VARIABLE, SECRET_KEY_VARIABLE, UnverifiedSignature,
    UploadSignature,
};

/// Tencent's documentation-style example key pair: it signs, but VOD will not accept it.
const DEMO_SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const DEMO_SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let from_env = [SECRET_ID_VARIABLE, SECRET_KEY_VARIABLE]
        .iter()
        .any(|variable| std::env::var_os(variable).is_some());
    let credentials = if from_env {
        println!("credentials: from {SECRET_ID_VARIABLE} / {SECRET_KEY_VARIABLE}");
        Credentials::from_env()?
    } else {
        println!(
            "credentials: DEMO key pair {DEMO_SECRET_ID} (set {SECRET_ID_VARIABLE} and \
             {SECRET_KEY_VARIABLE} to sign with yours; VOD rejects the demo pair)"
        );
        Credentials::new(DEMO_SECRET_ID, DEMO_SECRET_KEY)?
    };

    // What a signature distribution service typically hands to one app user.
    let signed = UploadSignature::new()
        .procedure("LongVideoPreset")
        .class_id(0)
        .source_context("user-42")
        .one_time_valid(true)
        .validity_secs(3600)
        .sign(&credentials)?;

    println!("signature:   {signed}");
    println!(
        "expires:     {} (Unix seconds; signed at {}, valid {} s)",
        signed.expire_time(),
        signed.current_time_stamp(),
        signed.expire_time() - signed.current_time_stamp()
    );

    // Anyone holding the signature can read this: it is signed, not encrypted.
    let decoded = UnverifiedSignature::decode(signed.as_str())?;
    println!("plaintext:   {}", decoded.untrusted_fields().original());
    for (key, value) in decoded.untrusted_fields().pairs() {
        println!("  {key:<17} {value}");
    }

    let verified = credentials.verify(signed.as_str())?;
    println!(
        "verified:    MAC, secretId and time window check out for {}",
        verified.fields().secret_id()
    );
    Ok(())
}
