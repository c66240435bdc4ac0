//! The outcome of every check, and the three ways `calldata conform` writes them: a table
//! per interface, JSON, and a `JUnit` XML file for CI.

use std::fmt::Write as _;

use comfy_table::Table;
use serde::Serialize;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "lowercase")]
pub(crate) enum Outcome {
    /// The endpoint did what the contract says.
    Pass,
    /// It did not; what it did instead.
    Fail(String),
    /// The check could not run; why.
    Skip(String),
}

/// One check.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Check {
    /// The interface (or `signature`, `http`, `lockout`) it belongs to.
    pub(crate) group: &'static str,
    /// What it checks.
    pub(crate) name: String,
    /// What it found.
    #[serde(flatten)]
    pub(crate) outcome: Outcome,
}

/// Every check of a run, in the order they ran.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    /// The endpoint checked.
    pub(crate) url: String,
    /// The checks.
    pub(crate) checks: Vec<Check>,
    /// Requests sent.
    pub(crate) requests: usize,
}

impl Report {
    /// Records a check's result: `Ok` passes, `Err` fails with its reason.
    pub(crate) fn record(
        &mut self,
        group: &'static str,
        name: impl Into<String>,
        result: Result<(), String>,
    ) {
        let outcome = match result {
            Ok(()) => Outcome::Pass,
            Err(reason) => Outcome::Fail(reason),
        };
        self.checks.push(Check {
            group,
            name: name.into(),
            outcome,
        });
    }

    /// Records a check that could not run.
    pub(crate) fn skip(
        &mut self,
        group: &'static str,
        name: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.checks.push(Check {
            group,
            name: name.into(),
            outcome: Outcome::Skip(reason.into()),
        });
    }

    /// How many checks failed.
    pub(crate) fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|check| matches!(check.outcome, Outcome::Fail(_)))
            .count()
    }

    /// The groups in the order they first ran.
    fn groups(&self) -> Vec<&'static str> {
        let mut groups: Vec<&'static str> = Vec::new();
        for check in &self.checks {
            if !groups.contains(&check.group) {
                groups.push(check.group);
            }
        }
        groups
    }

    /// One table per group, then a summary line.
    pub(crate) fn tables(&self) -> String {
        let mut out = String::new();
        for group in self.groups() {
            let mut table = Table::new();
            table.set_header(["check", "result", "reason"]);
            for check in self.checks.iter().filter(|check| check.group == group) {
                let (result, reason) = match &check.outcome {
                    Outcome::Pass => ("pass", ""),
                    Outcome::Fail(reason) => ("FAIL", reason.as_str()),
                    Outcome::Skip(reason) => ("skip", reason.as_str()),
                };
                table.add_row([check.name.as_str(), result, reason]);
            }
            let _ = writeln!(out, "{group}\n{table}\n");
        }
        let passed = self
            .checks
            .iter()
            .filter(|check| check.outcome == Outcome::Pass)
            .count();
        let skipped = self.checks.len() - passed - self.failures();
        let _ = writeln!(
            out,
            "{}: {passed} passed, {} failed, {skipped} skipped ({} requests)",
            self.url,
            self.failures(),
            self.requests
        );
        out
    }

    /// The report as `JUnit` XML: one test suite per group, one test case per check.
    pub(crate) fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"calldata conform {}\" tests=\"{}\" failures=\"{}\">",
            xml(&self.url),
            self.checks.len(),
            self.failures()
        );
        for group in self.groups() {
            let checks: Vec<&Check> = self.checks.iter().filter(|c| c.group == group).collect();
            let failures = checks
                .iter()
                .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
                .count();
            let skipped = checks
                .iter()
                .filter(|c| matches!(c.outcome, Outcome::Skip(_)))
                .count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
                xml(group),
                checks.len()
            );
            for check in checks {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    xml(group),
                    xml(&check.name)
                );
                match &check.outcome {
                    Outcome::Pass => out.push_str("/>\n"),
                    Outcome::Fail(reason) => {
                        let _ = writeln!(out, "><failure message=\"{}\"/></testcase>", xml(reason));
                    }
                    Outcome::Skip(reason) => {
                        let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", xml(reason));
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// Text escaped for an XML attribute.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_counts_and_escapes() {
        let mut report = Report {
            url: "https://x".into(),
            ..Report::default()
        };
        report.record("ping", "echo", Ok(()));
        report.record("ping", "a <bad> \"one\"", Err("it & that".into()));
        report.skip("lockout", "locks", "needs --check-lockout");
        let xml = report.junit();
        assert!(xml.contains("tests=\"3\" failures=\"1\""), "{xml}");
        assert!(
            xml.contains("name=\"a &lt;bad&gt; &quot;one&quot;\""),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"it &amp; that\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<skipped message=\"needs --check-lockout\"/>"),
            "{xml}"
        );
        assert_eq!(report.failures(), 1);
        assert!(report.tables().contains("1 passed, 1 failed, 1 skipped"));
    }
}
