//! The thirteen wire parameters, declared once, and the set of optional ones a signature
//! carries.
//!
//! [`for_each_param!`] is the table. Every place that needs the list of parameters (the
//! names, the fields of [`UploadParams`] and of the decoded fields, their getters, the
//! builder's setters, the parser's key recognition, the writer's arms, the serde
//! representation) asks the table for it with a macro of its own, so adding a parameter is
//! one row here and its tests.

use crate::codec::values;
use crate::error::Error;
use crate::limits::{MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS};

/// The table of parameters: calls `$callback!` with the rows, after any leading arguments.
///
/// - `required`: the four that every signature carries, in signing order: variant, wire
///   name. Their values come from the credentials, the clock and the caller, not from
///   [`UploadParams`].
/// - `optional`: the nine that a signature may carry, in the canonical order in which they
///   are signed: variant, wire name, Rust name, kind (a module of
///   [`codec::values`](crate::codec::values): how such a value is kept, written, bounded and
///   read), what its setter takes, the rule it must satisfy (a function of
///   [`rule`](crate::params::rule)), and what it means.
///
/// The setter and rule columns are written as the modules that expand them (`params`,
/// `codec::parse`, `sign`) import them: `rule`, the limits, `TaskNotifyMode`.
macro_rules! for_each_param {
    ($callback:ident $(, $argument:tt)*) => {
        $callback! {
            $($argument,)*
            required: [
                (SecretId, "secretId"),
                (CurrentTimeStamp, "currentTimeStamp"),
                (ExpireTime, "expireTime"),
                (Random, "random"),
            ],
            optional: [
                // variant      wire name         Rust name         kind      setter takes       rule
                (ClassId,        "classId",        class_id,         number,   u64,               rule::none,
                    "the category of the uploaded media (VOD's default 0)"),
                (Procedure,      "procedure",      procedure,        text,     impl Into<String>, rule::none,
                    "the name of the task flow VOD runs after the upload"),
                (TaskPriority,   "taskPriority",   task_priority,    priority, i8,                rule::task_priority,
                    "the task flow's priority, -10..=10 (VOD's default 0; meaningful with a `procedure`)"),
                (TaskNotifyMode, "taskNotifyMode", task_notify_mode, mode,     TaskNotifyMode,    rule::none,
                    "when task-flow events are sent (meaningful with a `procedure`)"),
                (SourceContext,  "sourceContext",  source_context,   text,     impl Into<String>, rule::max_chars::<MAX_SOURCE_CONTEXT_CHARS>,
                    "echoed back in the upload-complete event, at most 250 characters; anyone holding the signature can read it"),
                (SessionContext, "sessionContext", session_context,  text,     impl Into<String>, rule::max_chars::<MAX_SESSION_CONTEXT_CHARS>,
                    "echoed back in the task flow's state-change events, at most 1000 characters"),
                (OneTimeValid,   "oneTimeValid",   one_time_valid,   flag,     bool,              rule::none,
                    "`true` (written `1`) when the signature may serve one upload only"),
                (VodSubAppId,    "vodSubAppId",    vod_sub_app_id,   number,   u64,               rule::none,
                    "the VOD sub-application to upload into"),
                (StorageRegion,  "storageRegion",  storage_region,   text,     impl Into<String>, rule::none,
                    "where the media is stored, a region's short name such as `ap-chongqing`"),
            ],
        }
    };
}
pub(crate) use for_each_param;

/// Defines [`Name`] and [`UploadParams`] from the table.
macro_rules! define_params {
    (
        required: [$(($required:ident, $required_wire:literal)),* $(,)?],
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        /// A parameter the crate has a typed value for: the required four, then the optional
        /// nine, in signing order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Name {
            $($required,)*
            $($variant,)*
        }

        /// The wire names of the thirteen parameters the crate knows, in signing order: the
        /// required four, then the optional nine. Any other name is an extra parameter.
        ///
        /// ```
        /// assert_eq!(tencent_vod_signature::PARAMETER_NAMES[..2], ["secretId", "currentTimeStamp"]);
        /// assert!(tencent_vod_signature::PARAMETER_NAMES.contains(&"storageRegion"));
        /// ```
        pub const PARAMETER_NAMES: &[&str] = &[$($required_wire,)* $($wire,)*];

        impl Name {
            /// Every name, in signing order.
            pub(crate) const ALL: &[Self] = &[$(Self::$required,)* $(Self::$variant,)*];

            /// The required four, in signing order.
            pub(crate) const REQUIRED: &[Self] = &[$(Self::$required,)*];

            /// The name as written in the plaintext (case-sensitive, lowerCamelCase).
            pub(crate) const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$required => $required_wire,)*
                    $(Self::$variant => $wire,)*
                }
            }
        }

        /// The optional parameters of an upload signature.
        ///
        /// A parameter that is `None` is absent from the signature; one that is `Some` is
        /// written, even when it equals VOD's default.
        /// [`UploadSignature`](crate::sign::UploadSignature) builds one and checks it when it
        /// signs; [`SignatureFields::to_params`](crate::verify::SignatureFields::to_params)
        /// copies one out of a verified signature, so that `verify(sign(p))` gives back `p`.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct UploadParams {
            $(pub(crate) $field: Option<values::$kind::Owned>,)*
            pub(crate) extra: Vec<(String, String)>,
        }

        impl UploadParams {
            $(
                #[doc = concat!("`", $wire, "`: ", $meaning, ".")]
                #[must_use]
                pub fn $field(&self) -> Option<values::$kind::Ref<'_>> {
                    self.$field.as_ref().map(values::$kind::borrow)
                }
            )*

            /// Checks every value against its documented limit, in signing order, then the
            /// names of the extra parameters.
            ///
            /// # Errors
            ///
            /// The first broken limit: [`Error::TextTooLong`], [`Error::InvalidTaskPriority`],
            /// [`Error::EmptyParameterName`], [`Error::ReservedParameter`],
            /// [`Error::DuplicateParameter`].
            pub fn validate(&self) -> Result<(), Error> {
                $(
                    if let Some(value) = &self.$field {
                        ($rule)($wire, values::$kind::borrow(value))?;
                    }
                )*
                check_extra_names(&self.extra)
            }
        }
    };
}

for_each_param!(define_params);

impl UploadParams {
    /// Parameters the crate has no typed field for, in the order they were added.
    #[must_use]
    pub fn extra(&self) -> &[(String, String)] {
        &self.extra
    }
}

impl Name {
    /// The name that `name` spells exactly, if the crate has a typed value for it.
    pub(crate) fn from_wire(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|known| known.as_str() == name)
    }
}

/// Extra names are non-empty, none is a name of the table, none is repeated. Linear in their
/// number: a set of the names seen so far.
fn check_extra_names(extra: &[(String, String)]) -> Result<(), Error> {
    if extra.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::with_capacity(extra.len());
    for (name, _) in extra {
        if name.is_empty() {
            return Err(Error::EmptyParameterName);
        }
        if Name::from_wire(name).is_some() {
            return Err(Error::ReservedParameter { name: name.clone() });
        }
        if !seen.insert(name.as_str()) {
            return Err(Error::DuplicateParameter { name: name.clone() });
        }
    }
    Ok(())
}

/// The rules of the table's last column: each takes the parameter's wire name and value.
pub(crate) mod rule {
    use crate::error::Error;
    use crate::limits::check_task_priority;

    /// No limit beyond the value's type.
    #[allow(clippy::unnecessary_wraps)] // Every rule has the same shape.
    pub(crate) fn none<T>(_parameter: &'static str, _value: T) -> Result<(), Error> {
        Ok(())
    }

    /// At most `MAX` Unicode characters.
    pub(crate) fn max_chars<const MAX: usize>(
        parameter: &'static str,
        value: &str,
    ) -> Result<(), Error> {
        // A UTF-8 character is at least one byte: only a value longer in bytes needs counting.
        if value.len() <= MAX {
            return Ok(());
        }
        let chars = value.chars().count();
        if chars > MAX {
            return Err(Error::TextTooLong {
                parameter,
                max_chars: MAX,
                chars,
            });
        }
        Ok(())
    }

    /// Within `-10..=10`.
    pub(crate) fn task_priority(_parameter: &'static str, value: i8) -> Result<(), Error> {
        check_task_priority(value).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let check = rule::max_chars::<{ crate::limits::MAX_SOURCE_CONTEXT_CHARS }>;
        let cjk = "视".repeat(250);
        assert_eq!(cjk.len(), 750);
        assert_eq!(check("sourceContext", &cjk), Ok(()));
        let over = "视".repeat(251);
        assert_eq!(
            check("sourceContext", &over),
            Err(Error::TextTooLong {
                parameter: "sourceContext",
                max_chars: 250,
                chars: 251
            })
        );
    }

    #[test]
    fn names_are_thirteen_distinct_wire_names_with_the_required_four_first() {
        assert_eq!(Name::ALL.len(), 13);
        let wire: Vec<&str> = Name::ALL.iter().map(|name| name.as_str()).collect();
        assert_eq!(wire, PARAMETER_NAMES);
        assert_eq!(Name::REQUIRED, &Name::ALL[..4]);
        for (index, name) in Name::ALL.iter().enumerate() {
            assert_eq!(Name::from_wire(name.as_str()), Some(*name));
            assert!(!Name::ALL[..index].iter().any(|other| other == name));
        }
        assert_eq!(Name::from_wire("secretid"), None);
    }

    #[test]
    fn extra_names_are_checked_in_linear_time() {
        let many: Vec<(String, String)> = (0..20_000)
            .map(|i| (format!("k{i}"), String::new()))
            .collect();
        assert_eq!(check_extra_names(&many), Ok(()));
        let mut repeated = many;
        repeated.push(("k7".to_owned(), String::new()));
        assert_eq!(
            check_extra_names(&repeated),
            Err(Error::DuplicateParameter {
                name: "k7".to_owned()
            })
        );
    }
}
