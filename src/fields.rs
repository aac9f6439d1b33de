//! What a signature's plaintext says, kept as spans into one buffer: the model behind both
//! [`UntrustedFields`](crate::decode::UntrustedFields) (decoded without the key) and
//! [`SignatureFields`](crate::verify::SignatureFields) (verified).

use std::borrow::Cow;

use crate::codec::{urlencoded, values};
use crate::limits::MAX_SIGNATURE_LEN;
use crate::params::{UploadParams, for_each_param};

/// Where a value sits in [`Fields::text`]. Its ends are 32-bit to keep the fields small.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

// Spans cover a buffer of at most twice the longest plaintext, so their ends fit in 32 bits.
const _: () = assert!(2 * MAX_SIGNATURE_LEN < u32::MAX as usize);

impl Span {
    /// A span of a buffer no longer than twice [`MAX_SIGNATURE_LEN`].
    pub(crate) fn new(start: usize, end: usize) -> Self {
        let bound = |index: usize| u32::try_from(index).expect("spans cover at most 48 KiB");
        Self {
            start: bound(start),
            end: bound(end),
        }
    }

    /// Where this span ends.
    pub(crate) fn end(self) -> usize {
        self.end as usize
    }

    /// The text this span covers. Spans are made over the same text, at UTF-8 boundaries.
    pub(crate) fn of(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .expect("a span of this text at character boundaries")
    }
}

/// Defines [`OptionalFields`] and [`Fields::params`] from the parameter table.
macro_rules! define_optional_fields {
    (
        required: $required:tt,
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        /// The optional parameters of a parsed plaintext, as found.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub(crate) struct OptionalFields {
            $(pub(crate) $field: Option<values::$kind::Kept>,)*
            pub(crate) extra: Vec<(Span, Span)>,
        }

        impl Fields {
            /// The optional parameters, copied out.
            pub(crate) fn params(&self) -> UploadParams {
                let text = self.text.as_str();
                UploadParams {
                    $($field: self
                        .optional
                        .$field
                        .map(|kept| values::$kind::to_owned(values::$kind::view(kept, text))),)*
                    extra: self
                        .extra()
                        .map(|(name, value)| (name.to_owned(), value.to_owned()))
                        .collect(),
                }
            }
        }
    };
}

for_each_param!(define_optional_fields);

/// A parsed plaintext: the four required values, the optional parameters, and the plaintext
/// itself.
///
/// Text values are spans of one buffer holding the plaintext and, after it, the decoded text
/// of any value that had `%XX` escapes or `+`: one allocation for the whole signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    /// The plaintext (`text[..original_len]`), then the decoded values.
    pub(crate) text: String,
    pub(crate) original_len: usize,
    pub(crate) secret_id: Span,
    pub(crate) current_time_stamp: u64,
    pub(crate) expire_time: u64,
    pub(crate) random: u32,
    pub(crate) optional: OptionalFields,
}

impl Fields {
    /// The plaintext exactly as signed.
    pub(crate) fn original(&self) -> &str {
        &self.text[..self.original_len]
    }

    /// The extra parameters, decoded, in plaintext order.
    pub(crate) fn extra(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.optional
            .extra
            .iter()
            .map(|&(name, value)| (name.of(&self.text), value.of(&self.text)))
    }

    /// The percent-decoded pairs of the plaintext, in order.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        urlencoded::pairs(self.original())
            .map(|pair| pair.expect("the plaintext parsed when these fields were made"))
    }
}

/// Generates the read accessors and `Debug` of a public face over [`Fields`] (a type whose
/// `.0` is the fields), from the parameter table.
macro_rules! field_accessors {
    (
        $face:ident,
        required: $required:tt,
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        impl $face {
            /// `secretId`: who signed.
            #[must_use]
            pub fn secret_id(&self) -> &str {
                self.0.secret_id.of(&self.0.text)
            }

            /// `currentTimeStamp`: when it was signed (Unix seconds).
            #[must_use]
            pub fn current_time_stamp(&self) -> u64 {
                self.0.current_time_stamp
            }

            /// `expireTime`: when it stops being valid (Unix seconds).
            #[must_use]
            pub fn expire_time(&self) -> u64 {
                self.0.expire_time
            }

            /// `random`.
            #[must_use]
            pub fn random(&self) -> u32 {
                self.0.random
            }

            $(
                #[doc = concat!("`", $wire, "`: ", $meaning, ".")]
                #[must_use]
                pub fn $field(&self) -> Option<crate::codec::values::$kind::Ref<'_>> {
                    self.0
                        .optional
                        .$field
                        .map(|kept| crate::codec::values::$kind::view(kept, &self.0.text))
                }
            )*

            /// Parameters the crate has no typed field for, `(name, value)` decoded, in
            /// plaintext order.
            pub fn extra(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
                self.0.extra()
            }

            /// The plaintext exactly as signed (still URL-encoded as its producer wrote it).
            #[must_use]
            pub fn original(&self) -> &str {
                self.0.original()
            }

            /// The percent-decoded `(key, value)` pairs in the order the plaintext lists them.
            pub fn pairs(&self) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
                self.0.pairs()
            }
        }

        impl std::fmt::Debug for $face {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($face))
                    .field("secret_id", &self.secret_id())
                    .field("current_time_stamp", &self.current_time_stamp())
                    .field("expire_time", &self.expire_time())
                    .field("random", &self.random())
                    $(.field(stringify!($field), &self.$field()))*
                    .field("extra", &self.extra().collect::<Vec<_>>())
                    .field("original", &self.original())
                    .finish()
            }
        }
    };
}
pub(crate) use field_accessors;
