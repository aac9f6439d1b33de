//! Parameter names as they appear in the plaintext (case-sensitive, lowerCamelCase).

pub(crate) const SECRET_ID: &str = "secretId";
pub(crate) const CURRENT_TIME_STAMP: &str = "currentTimeStamp";
pub(crate) const EXPIRE_TIME: &str = "expireTime";
pub(crate) const RANDOM: &str = "random";

pub(crate) const CLASS_ID: &str = "classId";
pub(crate) const PROCEDURE: &str = "procedure";
pub(crate) const TASK_PRIORITY: &str = "taskPriority";
pub(crate) const TASK_NOTIFY_MODE: &str = "taskNotifyMode";
pub(crate) const SOURCE_CONTEXT: &str = "sourceContext";
pub(crate) const SESSION_CONTEXT: &str = "sessionContext";
pub(crate) const ONE_TIME_VALID: &str = "oneTimeValid";
pub(crate) const VOD_SUB_APP_ID: &str = "vodSubAppId";
pub(crate) const STORAGE_REGION: &str = "storageRegion";

/// Every name the crate writes itself: the required four, then the optional nine in the
/// canonical order in which they are signed.
pub(crate) const KNOWN: [&str; 13] = [
    SECRET_ID,
    CURRENT_TIME_STAMP,
    EXPIRE_TIME,
    RANDOM,
    CLASS_ID,
    PROCEDURE,
    TASK_PRIORITY,
    TASK_NOTIFY_MODE,
    SOURCE_CONTEXT,
    SESSION_CONTEXT,
    ONE_TIME_VALID,
    VOD_SUB_APP_ID,
    STORAGE_REGION,
];
