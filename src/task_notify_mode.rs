//! The closed set of values of `taskNotifyMode`.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::params::Name;

/// When VOD sends task-flow state-change events (`taskNotifyMode`); meaningful only together
/// with a `procedure`.
///
/// ```
/// use tencent_vod_signature::TaskNotifyMode;
///
/// assert_eq!("Change".parse::<TaskNotifyMode>().unwrap(), TaskNotifyMode::Change);
/// assert_eq!(TaskNotifyMode::Finish.as_str(), "Finish");
/// assert_eq!("None".parse::<TaskNotifyMode>().unwrap(), TaskNotifyMode::Silent);
/// assert!("finish".parse::<TaskNotifyMode>().is_err()); // values are case-sensitive
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TaskNotifyMode {
    /// Notify once the whole task flow has finished (VOD's default).
    #[default]
    Finish,
    /// Notify on every state change of each subtask.
    Change,
    /// Send no task-flow events; written `None` in the signature. Named `Silent` so that
    /// `Some(TaskNotifyMode::Silent)` does not read as "no mode".
    #[cfg_attr(feature = "serde", serde(rename = "None"))]
    Silent,
}

impl TaskNotifyMode {
    /// The value as written in the signature: `Finish`, `Change` or `None`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Finish => "Finish",
            Self::Change => "Change",
            Self::Silent => "None",
        }
    }
}

impl fmt::Display for TaskNotifyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskNotifyMode {
    type Err = Error;

    /// Parses `Finish`, `Change` or `None`, exactly (case-sensitive).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming `taskNotifyMode` for anything else.
    fn from_str(value: &str) -> Result<Self, Error> {
        match value {
            "Finish" => Ok(Self::Finish),
            "Change" => Ok(Self::Change),
            "None" => Ok(Self::Silent),
            _ => Err(Error::InvalidValue {
                parameter: Name::TaskNotifyMode.as_str(),
                value: value.to_owned(),
                expected: "Finish, Change or None",
            }),
        }
    }
}
