//! Rendering a passed check as human text, JSON or markdown.

use std::fmt::Write as _;
use std::path::Path;

use stylus_check::{
    ActivationReport, DEPLOYED_HEADER_BYTES, MAX_DEPLOYED_CODE, MAX_INITIAL_PAGES, MAX_WASM_BYTES,
};

/// Sizes of one other build, for comparison.
pub struct VariantSizes<'a> {
    pub label: &'a str,
    pub path: &'a Path,
    pub wasm_bytes: usize,
    pub brotli_bytes: usize,
}

/// Everything a report shows.
pub struct Summary<'a> {
    pub path: &'a Path,
    pub activation: &'a ActivationReport,
    pub brotli_bytes: usize,
    pub max_compressed: usize,
    pub target: Option<usize>,
    pub variants: &'a [VariantSizes<'a>],
    /// A violated size limit (rule, message); activation rules passed.
    pub failure: Option<(&'a str, &'a str)>,
}

impl Summary<'_> {
    fn deployed_bytes(&self) -> usize {
        self.brotli_bytes + DEPLOYED_HEADER_BYTES
    }
}

pub fn human(summary: &Summary<'_>) -> String {
    let report = summary.activation;
    let mut out = String::new();
    let verdict = if summary.failure.is_some() {
        "passes the Stylus activation rules but is over a size limit"
    } else {
        "passes the Stylus activation rules"
    };
    let _ = writeln!(out, "stylus-check: {} {verdict}", summary.path.display());
    let mut line = |label: &str, value: String, note: String| {
        let text = format!("  {label:<16}{value:>8}  {note}");
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(
        "wasm bytes",
        grouped(report.wasm_bytes),
        format!("(limit {})", grouped(MAX_WASM_BYTES)),
    );
    let target = summary
        .target
        .map(|target| format!(", target {}", grouped(target)))
        .unwrap_or_default();
    line(
        "brotli bytes",
        grouped(summary.brotli_bytes),
        format!(
            "(limit --max-compressed {}{target})",
            grouped(summary.max_compressed)
        ),
    );
    line(
        "deployed bytes",
        grouped(summary.deployed_bytes()),
        format!("(4 + brotli; chain limit {})", grouped(MAX_DEPLOYED_CODE)),
    );
    line(
        "initial pages",
        report.initial_pages.to_string(),
        format!("(limit {MAX_INITIAL_PAGES})"),
    );
    line("functions", report.functions.to_string(), String::new());
    line(
        "segment bytes",
        grouped(report.entry.inputs.data_len as usize),
        "(data + element entries)".to_owned(),
    );
    line(
        "entry gas",
        format!(
            "{} / {}",
            grouped(report.entry.call_gas(true) as usize),
            grouped(report.entry.call_gas(false) as usize)
        ),
        "(cached / uncached, memory excluded)".to_owned(),
    );
    for variant in summary.variants {
        line(
            &format!("{} wasm", variant.label),
            grouped(variant.wasm_bytes),
            format!("({})", variant.path.display()),
        );
        line(
            &format!("{} brotli", variant.label),
            grouped(variant.brotli_bytes),
            String::new(),
        );
    }
    let _ = writeln!(
        out,
        "  {:<16}{}",
        format!("imports ({})", report.imports.len()),
        list_or_none(&report.imports)
    );
    if !report.debug_imports.is_empty() {
        let _ = writeln!(
            out,
            "  {:<16}{}",
            "console imports",
            report.debug_imports.join(", ")
        );
    }
    out
}

pub fn json(summary: &Summary<'_>) -> String {
    let report = summary.activation;
    let mut out = match summary.failure {
        None => String::from("{\"ok\":true"),
        Some((rule, message)) => format!(
            "{{\"ok\":false,\"rule\":{},\"error\":{}",
            json_string(rule),
            json_string(message)
        ),
    };
    let _ = write!(
        out,
        ",\"path\":{}",
        json_string(&summary.path.display().to_string())
    );
    let _ = write!(out, ",\"wasm_bytes\":{}", report.wasm_bytes);
    let _ = write!(out, ",\"brotli_bytes\":{}", summary.brotli_bytes);
    let _ = write!(out, ",\"deployed_bytes\":{}", summary.deployed_bytes());
    let _ = write!(out, ",\"max_compressed\":{}", summary.max_compressed);
    let _ = write!(out, ",\"max_deployed\":{MAX_DEPLOYED_CODE}");
    let _ = write!(out, ",\"target\":{}", json_option(summary.target));
    let _ = write!(out, ",\"initial_pages\":{}", report.initial_pages);
    let _ = write!(
        out,
        ",\"maximum_pages\":{}",
        json_option(report.maximum_pages)
    );
    let _ = write!(out, ",\"functions\":{}", report.functions);
    let _ = write!(out, ",\"globals\":{}", report.globals);
    let entry = &report.entry;
    let _ = write!(
        out,
        ",\"entry\":{{\"type_len\":{},\"segment_bytes\":{},\"cached_cost\":{},\"init_cost\":{},\"cached_gas\":{},\"uncached_gas\":{}}}",
        entry.inputs.type_len,
        entry.inputs.data_len,
        entry.cached_cost,
        entry.init_cost,
        entry.call_gas(true),
        entry.call_gas(false)
    );
    let _ = write!(out, ",\"imports\":{}", json_strings(&report.imports));
    let _ = write!(
        out,
        ",\"debug_imports\":{}",
        json_strings(&report.debug_imports)
    );
    out.push_str(",\"variants\":[");
    for (i, variant) in summary.variants.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"label\":{},\"path\":{},\"wasm_bytes\":{},\"brotli_bytes\":{}}}",
            json_string(variant.label),
            json_string(&variant.path.display().to_string()),
            variant.wasm_bytes,
            variant.brotli_bytes
        );
    }
    out.push_str("]}\n");
    out
}

/// A one-object JSON failure report.
pub fn json_failure(path: &Path, rule: &str, message: &str) -> String {
    format!(
        "{{\"ok\":false,\"path\":{},\"rule\":{},\"error\":{}}}\n",
        json_string(&path.display().to_string()),
        json_string(rule),
        json_string(message)
    )
}

pub fn markdown(summary: &Summary<'_>) -> String {
    let report = summary.activation;
    let mut out =
        String::from("| metric | value | limit | target |\n| --- | ---: | ---: | ---: |\n");
    let mut row = |metric: &str, value: String, limit: String, target: String| {
        let _ = writeln!(out, "| {metric} | {value} | {limit} | {target} |");
    };
    for variant in summary.variants {
        row(
            &format!("wasm bytes, {}", md_escape(variant.label)),
            grouped(variant.wasm_bytes),
            String::new(),
            String::new(),
        );
    }
    let file = summary
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    row(
        &format!("wasm bytes, checked (`{}`)", md_escape(&file)),
        grouped(report.wasm_bytes),
        grouped(MAX_WASM_BYTES),
        String::new(),
    );
    for variant in summary.variants {
        row(
            &format!("brotli bytes, {}", md_escape(variant.label)),
            grouped(variant.brotli_bytes),
            String::new(),
            String::new(),
        );
    }
    row(
        "brotli bytes, checked",
        grouped(summary.brotli_bytes),
        grouped(summary.max_compressed),
        summary.target.map(grouped).unwrap_or_default(),
    );
    row(
        "deployed bytes (4 + brotli)",
        grouped(summary.deployed_bytes()),
        grouped(MAX_DEPLOYED_CODE),
        String::new(),
    );
    row(
        "initial memory pages",
        report.initial_pages.to_string(),
        MAX_INITIAL_PAGES.to_string(),
        String::new(),
    );
    row(
        "defined functions",
        report.functions.to_string(),
        String::new(),
        String::new(),
    );
    let entry = &report.entry;
    row(
        "Σ params + results of defined functions",
        entry.inputs.type_len.to_string(),
        String::new(),
        String::new(),
    );
    row(
        "data + element segment bytes",
        grouped(entry.inputs.data_len as usize),
        String::new(),
        String::new(),
    );
    row(
        "program entry gas, cached (352 + cachedCost)",
        grouped(entry.call_gas(true) as usize),
        String::new(),
        String::new(),
    );
    row(
        "program entry gas, uncached (+ 8,832 + initCost)",
        grouped(entry.call_gas(false) as usize),
        String::new(),
        String::new(),
    );
    let hostios = if report.imports.is_empty() {
        "none".to_owned()
    } else {
        report
            .imports
            .iter()
            .map(|name| format!("`{}`", md_escape(name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    row(
        &format!("imported hostios ({})", report.imports.len()),
        hostios,
        String::new(),
        String::new(),
    );
    if let Some((rule, message)) = summary.failure {
        let _ = writeln!(
            out,
            "\n**Over a size limit** ({rule}): {}",
            md_escape(message)
        );
    }
    out
}

/// `12345` → `12,345`.
pub fn grouped(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('`', "'")
}

fn json_option<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "null".to_owned(), |value| value.to_string())
}

fn json_strings(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|value| json_string(value)).collect();
    format!("[{}]", items.join(","))
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(24_572), "24,572");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn escapes_json() {
        assert_eq!(json_string("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\u0001""#);
    }
}
