//! The redirect files for hosts that cannot run here, held to the same request table as the
//! real servers: Netlify, Cloudflare Pages and Vercel through in-repo models of their
//! documented matching, the CloudFront Function in Node with its KeyValueStore loaded, and the
//! rule list's own lookup (which `refgen serve` uses).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;

use refcenter_tests::host_matchers::{first_match, parse_redirects_file, parse_vercel};
use refcenter_tests::redirect_cases::{CASES, Case};
use refcenter_tests::{build, repo_root};

/// The table without the request's query string: the CDNs pass a query on to the target (see
/// the redirect documentation), which the real-server test covers for the servers that drop it.
fn path_cases() -> impl Iterator<Item = &'static Case> {
    CASES.iter().filter(|c| !c.path.contains('?'))
}

fn assert_table(name: &str, resolve: impl Fn(&str) -> Option<(u16, String)>) {
    let failures: Vec<String> = path_cases()
        .filter_map(|case| {
            let got = resolve(case.path);
            (got != Some((302, case.location.to_owned())))
                .then(|| format!("{}: {} gave {got:?}, expected 302 {}", case.name, case.path, case.location))
        })
        .collect();
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

/// The sample, built with `targets` instead of its own.
fn build_sample_with(targets: &str, out: &Path) {
    let dir = out.parent().unwrap().join("program");
    for folder in ["partners", "ads"] {
        refcenter_tests::copy_dir(&repo_root().join(folder), &dir.join(folder), &[]);
    }
    let text = std::fs::read_to_string(repo_root().join("partners.toml")).unwrap();
    let start = text.find("targets = [").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}targets = {targets}{}", &text[..start], &text[end..]);
    std::fs::write(dir.join("partners.toml"), text).unwrap();
    build(&dir.join("partners.toml"), out);
}

#[test]
fn netlify_redirects_answer_the_table() {
    let dir = tempfile::tempdir().unwrap();
    build(&repo_root().join("partners.toml"), &dir.path().join("output"));
    let rules = parse_redirects_file(&std::fs::read_to_string(dir.path().join("output/public/_redirects")).unwrap());
    assert_table("netlify", |path| first_match(&rules, path));
}

#[test]
fn cloudflare_pages_redirects_answer_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    build_sample_with("[\"cloudflare-pages\"]", &out);
    let text = std::fs::read_to_string(out.join("public/_redirects")).unwrap();
    let rules = parse_redirects_file(&text);
    assert_table("cloudflare-pages", |path| first_match(&rules, path));
    // Every static rule comes before the first dynamic one, so none is counted as dynamic.
    let lines: Vec<&str> = text.lines().collect();
    let first_dynamic = lines.iter().position(|l| l.split_whitespace().next().is_some_and(|f| f.ends_with('*')));
    let last_static = lines
        .iter()
        .rposition(|l| !l.starts_with('#') && l.split_whitespace().next().is_some_and(|f| !f.ends_with('*')));
    assert!(first_dynamic.unwrap() > last_static.unwrap());
}

#[test]
fn vercel_redirects_answer_the_table() {
    let dir = tempfile::tempdir().unwrap();
    build(&repo_root().join("partners.toml"), &dir.path().join("output"));
    let rules = parse_vercel(&std::fs::read_to_string(dir.path().join("output/public/vercel.json")).unwrap());
    assert_table("vercel", |path| first_match(&rules, path));
}

#[test]
fn the_rule_list_lookup_answers_the_table() {
    let program = refcenter_model::load_path(&repo_root().join("partners.toml")).unwrap().program;
    let rules = refcenter_redirects::RuleSet::new(&program);
    for case in CASES {
        assert_eq!(rules.resolve(case.path).as_deref(), Some(case.location), "{}: {}", case.name, case.path);
    }
    assert_eq!(rules.resolve("/robots.txt"), None, "paths outside the tracking root are the site's");
    assert_eq!(rules.resolve("/gopher"), None);
}

#[test]
fn cloudfront_function_answers_the_table_in_node() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    build(&repo_root().join("partners.toml"), &out);
    let function = std::fs::read_to_string(out.join("cloudfront/refcenter-function.js")).unwrap();
    assert!(function.len() <= 10 * 1024, "CloudFront's 10 KB code limit");
    let harness = dir.path().join("harness");
    let module = harness.join("node_modules/cloudfront");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(module.join("package.json"), r#"{"name":"cloudfront","type":"module","main":"index.js"}"#).unwrap();
    // The runtime's KeyValueStore, loaded from the import file: get() rejects missing keys.
    std::fs::write(
        module.join("index.js"),
        "import { readFileSync } from 'node:fs';\n\
         const data = JSON.parse(readFileSync(process.env.REFCENTER_KVS, 'utf8')).data;\n\
         const store = new Map(data.map((e) => [e.key, e.value]));\n\
         export default { kvs() { return { async get(key) {\n\
           if (!store.has(key)) { throw new Error('The key was not found'); }\n\
           return store.get(key);\n\
         } }; } };\n",
    )
    .unwrap();
    std::fs::write(harness.join("package.json"), r#"{"type":"module"}"#).unwrap();
    std::fs::write(harness.join("function.js"), format!("{function}\nexport {{ handler }};\n")).unwrap();
    std::fs::write(
        harness.join("run.js"),
        "import { handler } from './function.js';\n\
         const results = [];\n\
         for (const raw of JSON.parse(process.argv[2])) {\n\
           const [uri, query] = raw.split('?');\n\
           const querystring = Object.fromEntries(new URLSearchParams(query || '').entries());\n\
           const event = { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '127.0.0.1' },\n\
             request: { method: 'GET', uri, querystring, headers: {}, cookies: {} } };\n\
           const response = await handler(event);\n\
           results.push(response.statusCode ? [response.statusCode, response.headers.location.value] : [0, response.uri]);\n\
         }\n\
         console.log(JSON.stringify(results));\n",
    )
    .unwrap();
    let mut paths: Vec<&str> = CASES.iter().map(|c| c.path).collect();
    paths.push("/robots.txt");
    let output = Command::new("node")
        .arg("run.js")
        .arg(serde_json::to_string(&paths).unwrap())
        .current_dir(&harness)
        .env("REFCENTER_KVS", out.join("cloudfront/refcenter-kvs.json"))
        .output()
        .expect("node runs (.ci/run installs it)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<(u16, String)> = serde_json::from_slice(&output.stdout).unwrap();
    for (case, got) in CASES.iter().zip(&results) {
        assert_eq!(got, &(302, case.location.to_owned()), "{}: {}", case.name, case.path);
    }
    assert_eq!(results.last().unwrap(), &(0, "/robots.txt".to_owned()), "other paths go on to the origin");
}

/// Runs the edge code `module` (an ES module whose default export is `entry`) in Node on every
/// path of the table and on paths outside the tracking root: `[status, location]` for a
/// redirect, `[0, "next"]` when the request goes on to the site's files.
fn run_edge_module(module: &str, call: &str) -> Vec<(u16, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"type":"module"}"#).unwrap();
    std::fs::write(dir.path().join("edge.js"), module).unwrap();
    std::fs::write(
        dir.path().join("run.js"),
        format!(
            "import entry from './edge.js';\n\
             const next = {{ fetch: async () => new Response('a file', {{ status: 200 }}) }};\n\
             const results = [];\n\
             for (const path of JSON.parse(process.argv[2])) {{\n\
               const request = new Request('https://martyc.example.com' + path);\n\
               const response = await {call};\n\
               const location = response && response.headers.get('location');\n\
               results.push(location ? [response.status, location] : [response ? response.status : 0, 'next']);\n\
             }}\n\
             console.log(JSON.stringify(results));\n"
        ),
    )
    .unwrap();
    let mut paths: Vec<&str> = CASES.iter().map(|c| c.path).collect();
    paths.extend(["/robots.txt", "/gopher", "/_worker.js"]);
    let output = Command::new("node")
        .arg("run.js")
        .arg(serde_json::to_string(&paths).unwrap())
        .current_dir(dir.path())
        .output()
        .expect("node runs (.ci/run installs it)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn sample_rules() -> refcenter_redirects::RuleSet {
    refcenter_redirects::RuleSet::new(&refcenter_model::load_path(&repo_root().join("partners.toml")).unwrap().program)
}

#[test]
fn the_cloudflare_pages_worker_answers_the_table_in_node() {
    // The sample fits _redirects; the worker is what a bigger program gets, made the same way.
    let worker = refcenter_redirects::hosts::cloudflare_pages::worker(&sample_rules());
    let results = run_edge_module(&worker, "entry.fetch(request, { ASSETS: next })");
    for (case, got) in CASES.iter().zip(&results) {
        assert_eq!(got, &(302, case.location.to_owned()), "{}: {}", case.name, case.path);
    }
    let others = &results[CASES.len()..];
    assert_eq!(others[0], (200, "next".to_owned()), "other paths are the site's files");
    assert_eq!(others[1], (200, "next".to_owned()), "a path that only starts like the root");
    assert_eq!(others[2], (404, "next".to_owned()), "the worker's own code is never served");
}

#[test]
fn the_netlify_edge_function_answers_the_table_in_node() {
    let function = refcenter_redirects::hosts::netlify::edge_function(&sample_rules());
    assert!(function.contains(r#"export const config = { path: ["/go", "/go/*"] };"#), "{function}");
    let results = run_edge_module(&function, "entry(request)");
    for (case, got) in CASES.iter().zip(&results) {
        assert_eq!(got, &(302, case.location.to_owned()), "{}: {}", case.name, case.path);
    }
    assert!(results[CASES.len()..].iter().all(|r| r == &(0, "next".to_owned())), "{results:?}");
}

#[test]
fn codes_that_name_object_properties_are_codes_like_any_other() {
    // `constructor` and `__proto__` are valid codes; the tables are Maps, so an unknown link
    // named so goes to the fallback and a partner named so gets no attribution.
    let worker = refcenter_redirects::hosts::netlify::edge_function(&sample_rules());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"type":"module"}"#).unwrap();
    std::fs::write(dir.path().join("edge.js"), format!("{worker}\nexport {{ refcenterLocation }};\n")).unwrap();
    std::fs::write(
        dir.path().join("run.js"),
        "import { refcenterLocation } from './edge.js';\n\
         console.log(JSON.stringify(['/go/constructor', '/go/__proto__', '/go/xyz/constructor', '/go/xyz/__proto__/toString']\n\
           .map(refcenterLocation)));\n",
    )
    .unwrap();
    let output = Command::new("node").arg("run.js").current_dir(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let got: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(got, ["https://www.example.com/"; 4]);
}
