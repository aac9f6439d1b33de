//! TC3-HMAC-SHA256, the signature of Tencent Cloud API 3.0 requests ("签名方法 v3"), for the
//! reliable-callback calls (`PullEvents`, `ConfirmEvents`): a POST of a JSON body, with the
//! headers `content-type` and `host` signed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The content type the signature covers, as every call sends it.
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// One API call to sign.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The product, e.g. `vod` (the first label of its host).
    pub service: &'a str,
    /// The host the call is sent to, e.g. `vod.tencentcloudapi.com`.
    pub host: &'a str,
    /// `X-TC-Timestamp`: Unix seconds.
    pub timestamp: u64,
    /// The JSON body, exactly as sent.
    pub payload: &'a [u8],
}

/// The `Authorization` header of `call` under the key pair.
#[must_use]
pub fn authorization(secret_id: &str, secret_key: &str, call: Call<'_>) -> String {
    let date = utc_date(call.timestamp);
    let scope = format!("{date}/{}/tc3_request", call.service);
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{}\n{scope}\n{}",
        call.timestamp,
        hex(&Sha256::digest(canonical_request(call).as_bytes()))
    );
    let key = [date.as_str(), call.service, "tc3_request"]
        .into_iter()
        .fold(format!("TC3{secret_key}").into_bytes(), |key, part| {
            hmac_sha256(&key, part.as_bytes())
        });
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )
}

/// Step 1: the canonical request of a POST to `/` with no query string.
#[must_use]
pub fn canonical_request(call: Call<'_>) -> String {
    format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{}\n\ncontent-type;host\n{}",
        call.host,
        hex(&Sha256::digest(call.payload))
    )
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The UTC date of `timestamp`, `YYYY-MM-DD` (the credential scope's date is UTC, whatever the
/// local time zone).
#[must_use]
pub fn utc_date(timestamp: u64) -> String {
    // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
    let days = i64::try_from(timestamp / 86_400).expect("a u64 of seconds is fewer days than i64");
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Tencent's "Signature v3" page: the demo key pair, `cvm`'s
    /// `DescribeInstances` at 1551113065, every intermediate value as the page prints it.
    #[test]
    fn the_worked_example_of_tencents_signature_v3_page() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let call = Call {
            service: "cvm",
            host: "cvm.tencentcloudapi.com",
            timestamp: 1_551_113_065,
            payload: payload.as_bytes(),
        };
        let canonical = canonical_request(call);
        assert!(
            canonical
                .ends_with("\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
        );
        assert_eq!(
            hex(&Sha256::digest(canonical.as_bytes())),
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            authorization(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                call
            ),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn the_date_is_utc() {
        // 2019-02-26 00:44:25 in UTC+8 is still the 25th in UTC, as the page warns.
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_709_164_799), "2024-02-28");
        assert_eq!(utc_date(1_709_164_800), "2024-02-29");
        assert_eq!(utc_date(4_102_444_800), "2100-01-01");
    }
}
