//! Memory: a limit lowered below what the container is known to use (its heap flag, its request).

use serde_json::Value;

use super::*;

/// A heap size set by a flag in `s`, in MiB: `-Xmx512m`, `-Xmx2g`, `-XX:MaxHeapSize=…`, Node's
/// `--max-old-space-size=384`.
pub fn heap_mib(s: &str) -> Option<(u64, String)> {
    for word in s.split_whitespace() {
        let word = word.trim_matches(|c| c == '"' || c == '\'');
        if let Some(n) = word.strip_prefix("--max-old-space-size=") {
            return n.parse().ok().map(|n| (n, word.to_owned()));
        }
        let size = word.strip_prefix("-Xmx").or_else(|| word.strip_prefix("-XX:MaxHeapSize="));
        if let Some(size) = size {
            let digits = size.bytes().take_while(u8::is_ascii_digit).count();
            let n: u64 = size[..digits].parse().ok()?;
            let mib = match size[digits..].to_ascii_lowercase().as_str() {
                "g" => n * 1024,
                "m" => n,
                "k" => n / 1024,
                "" => n / (1024 * 1024),
                _ => return None,
            };
            return Some((mib, word.to_owned()));
        }
    }
    None
}

/// A memory quantity in MiB (`512Mi`, `1Gi`, `1G`, `500M`).
pub fn mib(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = s[..digits].parse().ok()?;
    match &s[digits..] {
        "Mi" => Some(n),
        "Gi" => Some(n * 1024),
        "Ki" => Some(n / 1024),
        "M" => Some(n * 1000 * 1000 / (1024 * 1024)),
        "G" => Some(n * 1000 * 1000 * 1000 / (1024 * 1024)),
        "k" | "K" => Some(n * 1000 / (1024 * 1024)),
        _ => None,
    }
}

pub(super) fn strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > crate::yaml::MAX_DEPTH {
        return;
    }
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out, depth + 1)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out, depth + 1)),
        _ => {}
    }
}

/// A memory limit is lowered only below what the container is known to use (a heap flag beside it) and never
/// below its request (the API server would refuse the pod template: a different drill).
pub(super) fn memory(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let base = c.pointer.strip_suffix("/limits/memory").ok_or("not a memory limit")?;
    let limit = c.old.as_str().and_then(mib).ok_or("the limit is not a quantity firedrill reads")?;
    // The container (a manifest) or the values holding it: where a heap flag would be.
    let scope = if cx.index.workload(&cx.file.path, cx.doc).is_some() {
        base.strip_suffix("/resources").and_then(|p| cx.doc.value.pointer(p))
    } else {
        Some(&cx.doc.value)
    };
    let mut texts = Vec::new();
    if let Some(scope) = scope {
        strings(scope, &mut texts, 0);
    }
    let heap = texts.iter().find_map(|t| heap_mib(t));
    let request_at = format!("{base}/requests/memory");
    let request = cx.doc.value.pointer(&request_at).and_then(Value::as_str).map(str::to_owned).or_else(|| {
        let chart = cx.index.chart_of(&cx.file.path)?;
        cx.index.chart_defaults(&chart)?.pointer(&request_at).and_then(Value::as_str).map(str::to_owned)
    });
    let request_mib = request.as_deref().and_then(mib);
    let Some((heap, flag)) = heap else {
        let floor = request
            .as_deref()
            .map_or_else(String::new, |r| format!(", and one below the request ({r}) is refused by the API server"));
        return Err(format!(
            "no evidence of what the container uses (no -Xmx or --max-old-space-size beside it): a lower limit may \
             break nothing{floor}"
        ));
    };
    let new = request_mib.map_or(heap / 2, |r| r.max(heap / 2));
    if new >= heap || new >= limit {
        return Err(format!(
            "the request ({}) is not below the heap `{flag}` allows: no limit both at least the request and below \
             what the container uses",
            request.as_deref().unwrap_or("?")
        ));
    }
    let request_note = request
        .as_deref()
        .map_or_else(String::new, |r| format!(" (not below the request {r}, so the API server accepts it)"));
    Ok(Proof {
        mechanism: Mechanism::Runtime,
        chain: format!("`{flag}` lets the heap grow to {heap}Mi; a limit of {new}Mi{request_note} is below that"),
        new: Some(Value::String(format!("{new}Mi"))),
        symptom: Some(format!(
            "the pods start, then are OOMKilled once the heap grows past {new}Mi (`{flag}` allows {heap}Mi): restarts \
             under load, `Last State: Terminated, Reason: OOMKilled`"
        )),
    })
}
