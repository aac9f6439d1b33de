//! The text log line: `2026-12-05T06:07:29.172800Z  INFO target: message name=value …`, the
//! layout of `tracing-subscriber`'s default format (spans, when there are any, before the
//! target), written for less: the date and time are formatted once a second per thread,
//! integers with `itoa`, and each field straight into the line. Every request writes one such
//! line, and the default format cost `/upload-signature` a fifth of its throughput
//! (HACKING.md, "Logs and metrics on the hot path").
//!
//! Strings are quoted and escaped as `Debug` does, `%`-fields written with `Display`, as in
//! the default format; the message comes unquoted.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use crate::tc3::utc_date;

/// The line's format, for `tracing_subscriber::fmt().event_format(Line)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        timestamp(&mut writer, since_epoch)?;
        let metadata = event.metadata();
        writer.write_str(match *metadata.level() {
            Level::ERROR => " ERROR ",
            Level::WARN => "  WARN ",
            Level::INFO => "  INFO ",
            Level::DEBUG => " DEBUG ",
            Level::TRACE => " TRACE ",
        })?;
        if let Some(scope) = context.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    write!(writer, "{{{fields}}}")?;
                }
                writer.write_str(": ")?;
            }
        }
        writer.write_str(metadata.target())?;
        writer.write_char(':')?;
        let mut fields = Fields {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writeln!(writer)
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for `since_epoch`, UTC.
fn timestamp(writer: &mut Writer<'_>, since_epoch: Duration) -> fmt::Result {
    thread_local! {
        /// The last second formatted on this thread, and its `YYYY-MM-DDTHH:MM:SS.`.
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let secs = since_epoch.as_secs();
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != secs {
            let in_day = secs % 86_400;
            second.1.clear();
            write!(
                second.1,
                "{}T{:02}:{:02}:{:02}.",
                utc_date(secs),
                in_day / 3600,
                in_day / 60 % 60,
                in_day % 60
            )?;
            second.0 = secs;
        }
        writer.write_str(&second.1)
    })?;
    let mut digits = [b'0'; 6];
    let mut micros = since_epoch.subsec_micros();
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + u8::try_from(micros % 10).expect("a digit");
        micros /= 10;
    }
    writer.write_str(std::str::from_utf8(&digits).expect("ASCII digits"))?;
    writer.write_char('Z')
}

/// Writes each field as ` name=value` (the message as ` message`), keeping the first error.
struct Fields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn name(&mut self, field: &Field) -> fmt::Result {
        self.writer.write_char(' ')?;
        self.writer.write_str(field.name())?;
        self.writer.write_char('=')
    }

    fn integer(&mut self, field: &Field, value: impl itoa::Integer) {
        if self.result.is_ok() {
            self.result = self
                .name(field)
                .and_then(|()| self.writer.write_str(itoa::Buffer::new().format(value)));
        }
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_ok() {
            self.result = if field.name() == "message" {
                write!(self.writer, " {value}")
            } else {
                self.name(field)
                    .and_then(|()| write!(self.writer, "{value:?}"))
            };
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.integer(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.integer(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_ok() {
            self.result = if field.name() == "message" {
                write!(self.writer, " {value:?}")
            } else {
                self.name(field)
                    .and_then(|()| write!(self.writer, "{value:?}"))
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kept_output::Kept;

    #[test]
    fn dates_are_those_python_gives() {
        // datetime.fromtimestamp(secs, UTC), computed outside this code.
        for (secs, expected) in [
            (0, "1970-01-01T00:00:00."),
            (951_782_400, "2000-02-29T00:00:00."),
            (1_709_164_800, "2024-02-29T00:00:00."),
            (1_796_450_849, "2026-12-05T06:07:29."),
            (4_102_444_799, "2099-12-31T23:59:59."),
        ] {
            let mut line = String::new();
            timestamp(&mut Writer::new(&mut line), Duration::new(secs, 1_000)).expect("written");
            assert_eq!(line, format!("{expected}000001Z"), "{secs}");
        }
    }

    /// The line `log` writes, through a subscriber with the default format or this one.
    fn line_of(ours: bool, log: impl FnOnce()) -> String {
        let captured = Kept::default();
        let writer = captured.clone();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone());
        if ours {
            tracing::subscriber::with_default(builder.event_format(Line).finish(), log);
        } else {
            tracing::subscriber::with_default(builder.finish(), log);
        }
        captured.text()
    }

    #[test]
    fn lines_read_as_the_default_formats_do_after_the_time() {
        let log = || {
            let user = String::from("alice \"the\" admin");
            let method = "GET";
            tracing::info!(
                %method, route = "/upload-signature", status = 200_u16, latency_ms = 0.25,
                user = %user, expire_time = 1_796_454_449_u64, offset = -3_i64, quoted = "a\nb",
                "request: signature minted"
            );
            let span = tracing::info_span!("round", events = 2);
            let _entered = span.enter();
            tracing::warn!(reason = "no", "request refused");
        };
        let ours = line_of(true, log);
        let default = line_of(false, log);
        // The default format is the reference: the same text after the timestamp.
        let after_time = |text: &str| -> Vec<String> {
            text.lines()
                .map(|line| line.split_once(' ').expect("a timestamp").1.to_owned())
                .collect()
        };
        assert_eq!(after_time(&ours), after_time(&default), "{ours}\n{default}");
        let first = ours.lines().next().expect("a line");
        let (time, _) = first.split_once(' ').expect("a timestamp");
        assert_eq!(time.len(), "2026-12-05T06:07:29.172800Z".len(), "{first}");
        assert!(
            time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{first}"
        );
    }
}
