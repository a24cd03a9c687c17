//! `refgen serve`: a local preview. It builds the program, serves `<out>/public/` on
//! localhost, answers tracking links with the same rule list every host's rules come from
//! ([`RuleSet::resolve`]), and rebuilds when the program, its content or its templates change.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use refcenter_model::request_path;
use refcenter_redirects::RuleSet;
use tiny_http::{Header, Request, Response, Server};

use crate::failure::Failure;
use crate::program_source::{BuildProgram as _, ProgramSource};

/// What a running preview serves: the redirect rules of the last good build.
struct State {
    rules: RuleSet,
}

/// Builds, then serves until interrupted.
pub fn serve(config: Option<PathBuf>, out: PathBuf, bind: SocketAddr) -> Result<(), Failure> {
    let source = ProgramSource::resolve(config.as_deref());
    let built = source.build(&out, None)?;
    let partners: Vec<(String, String)> = built
        .loaded
        .program
        .partners()
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.code.to_string(), refcenter_pages::private_dir(&built.secret, p.code.as_str())))
        .collect();
    let state = Arc::new(RwLock::new(State { rules: built.report.rules }));
    let server = Server::http(bind).map_err(|e| {
        Failure::usage(
            format!("cannot listen on {bind}"),
            e.as_ref(),
            "choose another port with --port, or stop what is using this one",
        )
    })?;
    let addr = server.server_addr().to_ip().unwrap_or(bind);
    announce(&source, &out, addr, &partners);
    let _watcher = match &source {
        ProgramSource::File(_) => Some(watch(source.clone(), out.clone(), state.clone())?),
        ProgramSource::Sample => {
            anstream::eprintln!("note: serving the built-in sample program; nothing to watch for changes");
            None
        }
    };
    let public = out.join("public");
    for request in server.incoming_requests() {
        let rules = state.read().map(|s| answer_redirect(&s.rules, request.url()));
        match rules {
            Ok(Some(response)) => {
                let _ = request.respond(response);
            }
            _ => serve_file(request, &public),
        }
    }
    Ok(())
}

/// Prints where everything is: the site, and each partner's private pages (`(code, folder)`).
fn announce(source: &ProgramSource, out: &Path, addr: SocketAddr, partners: &[(String, String)]) {
    let mut text = format!("serving {} from {} on http://{addr}/\n", source.name(), out.join("public").display());
    if !partners.is_empty() {
        text.push_str("partner pages:\n");
        for (code, dir) in partners {
            text.push_str(&format!("  {code}: http://{addr}/{dir}/\n"));
        }
    }
    text.push_str("press Ctrl-C to stop\n");
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// The redirect for `url` when it is a tracking link.
fn answer_redirect(rules: &RuleSet, url: &str) -> Option<Response<std::io::Empty>> {
    let target = rules.resolve(url)?;
    let response = with_header(Response::empty(rules.status), "Location", &target);
    Some(with_header(response, "Cache-Control", "no-store"))
}

/// `response` with the header `name: value` (left out if the value is not a valid header).
fn with_header<R: std::io::Read>(response: Response<R>, name: &str, value: &str) -> Response<R> {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

/// Serves a file below `public`, `index.html` for folders, 404 otherwise.
fn serve_file(request: Request, public: &Path) {
    let raw = request.url().to_owned();
    let segments = request_path::segments(&raw);
    let mut path = public.to_path_buf();
    for s in &segments {
        path.push(s);
    }
    let path_part = raw.split(['?', '#']).next().unwrap_or("/");
    if path.is_dir() {
        if !path_part.ends_with('/') {
            let _ = request.respond(with_header(Response::empty(301), "Location", &format!("{path_part}/")));
            return;
        }
        path.push("index.html");
    }
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" || mime.subtype() == "json" {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_string()
            };
            let response = with_header(Response::from_data(bytes), "Content-Type", &content_type);
            let _ = request.respond(with_header(response, "Cache-Control", "no-store"));
        }
        Err(_) => {
            let _ = request.respond(Response::from_string("not found\n").with_status_code(404));
        }
    }
}

/// Watches the program's folder and rebuilds on changes to `.toml` files, `content/` and
/// `templates/` (changes in the output folder are ignored).
fn watch(
    source: ProgramSource,
    out: PathBuf,
    state: Arc<RwLock<State>>,
) -> Result<notify::RecommendedWatcher, Failure> {
    let dir = source.dir();
    let dir_abs = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
    let out_abs = std::fs::canonicalize(&out).unwrap_or_else(|_| out.clone());
    let dir_watch = dir_abs.clone();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let relevant = move |path: &Path| {
        let Ok(rel) = path.strip_prefix(&dir_abs) else { return false };
        if path.starts_with(&out_abs) || rel.iter().any(|c| c.to_string_lossy().starts_with('.')) {
            return false;
        }
        rel.starts_with("content") || rel.starts_with("templates") || path.extension().is_some_and(|e| e == "toml")
    };
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
            && event.paths.iter().any(|p| relevant(p))
        {
            if std::env::var_os("REFGEN_DEBUG_WATCH").is_some() {
                anstream::eprintln!("change: {:?} {:?}", event.kind, event.paths);
            }
            let _ = tx.send(());
        }
    })
    .map_err(|e| {
        Failure::usage(
            "cannot watch the program's folder",
            &e,
            "serve without watching is not supported; check inotify limits",
        )
    })?;
    watcher
        .watch(&dir_watch, RecursiveMode::Recursive)
        .map_err(|e| Failure::usage(format!("cannot watch {}", dir.display()), &e, "check the folder's permissions"))?;
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            // Let a burst of saves settle, then build once.
            while rx.recv_timeout(Duration::from_millis(150)).is_ok() {}
            match source.build(&out, None) {
                Ok(built) => {
                    if let Ok(mut s) = state.write() {
                        s.rules = built.report.rules;
                    }
                    anstream::eprintln!("rebuilt {}", source.name());
                }
                Err(failure) => {
                    anstream::eprint!("{}", failure.render());
                    anstream::eprintln!("still serving the previous build");
                }
            }
        }
    });
    Ok(watcher)
}
