//! `rem serve`: the workbench, a web page on 127.0.0.1 where a clinic edits its policies and
//! sees who gets what, when, and who gets nothing (`docs/workbench.md`). The answers come from
//! `rem::workbench`; this file is the HTTP side: the page, the API routes, and the guards of a
//! local server.
//!
//! Any web page the user visits can send requests to 127.0.0.1. So every request must name
//! this server in `Host` (a DNS-rebinding page names its own), a request with an `Origin` must
//! come from this server's page, no CORS header is ever sent, and a request that writes a file
//! must carry the token printed at start, which only the page opened from that address has.
//! Only the policy files named at start are ever written, and only when they check without
//! errors.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Json, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use rem::report::tasks::Range;
use rem::workbench::{Query, Workbench};

use super::exit::{Exit, Failure, Outcome};
use super::inputs::{FeedArgs, for_each_row, load_events};
use super::write::say;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The policy files to work on: .rem files or folders of them. Only these are ever written.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: FeedArgs,
    /// The port on 127.0.0.1 (0: any free port, printed at start).
    #[arg(long, default_value_t = 7878)]
    pub port: u16,
}

const PAGE: &str = include_str!("serve/page.html");

/// The server's state: the workbench, the token, and the addresses it answers to.
struct Server {
    bench: Mutex<Workbench>,
    token: String,
    /// `127.0.0.1:PORT` and `localhost:PORT`.
    hosts: [String; 2],
}

type Shared = Arc<Server>;

pub fn run(args: &ServeArgs) -> Outcome {
    let bench = workbench(args)?;
    let mut token = [0u8; 16];
    getrandom::fill(&mut token)
        .map_err(|e| Failure::message(format!("no random token for the server: {e}")))?;
    let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| Failure::message(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Failure::message(format!("cannot listen on {address}: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Failure::message(e.to_string()))?
            .port();
        let server = Arc::new(Server {
            bench: Mutex::new(bench),
            token: token.clone(),
            hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
        });
        say!("rem serve: open http://127.0.0.1:{port}/#token={token} (Ctrl-C stops it)");
        axum::serve(listener, router(server))
            .await
            .map_err(|e| Failure::message(format!("the server stopped: {e}")))
    })?;
    Ok(Exit::Ok)
}

/// The policies as saved and the whole feed, read once at start.
fn workbench(args: &ServeArgs) -> Result<Workbench, Failure> {
    let files = super::policy_files(&args.policies).map_err(Failure::Message)?;
    let compiled = rem::compile(&files, super::read::policy_file);
    if compiled.unreadable() {
        super::print_diagnostics(&compiled, super::Format::Human)?;
        return Err(Failure::message(
            "the policy files cannot be read".to_string(),
        ));
    }
    // Every file the policies read: the policy files, those they `use`, their template files.
    let saved: BTreeMap<PathBuf, String> = compiled
        .program
        .files
        .iter()
        .map(|f| (PathBuf::from(&f.path), f.text.clone()))
        .collect();
    let editable = compiled
        .program
        .modules
        .iter()
        .filter(|m| m.root)
        .map(|m| PathBuf::from(&compiled.program.file(m.file).path))
        .collect();
    let now = super::now_or_clock(args.input.now);
    let source = args.input.source()?;
    let (events, _) = load_events(args.input.events.as_deref(), now)?;
    let services = args.input.load_services()?;
    let (mut bookings, mut rejected) = (Vec::new(), 0u64);
    for_each_row(&source, |_, row| {
        match row {
            Ok(booking) => bookings.push(booking.clone().into_owned()),
            Err(_) => rejected += 1,
        }
        true
    })
    .map_err(|e| Failure::about(source.name(), e))?;
    Ok(Workbench {
        editable,
        saved,
        bookings,
        rejected,
        services,
        events,
        now,
    })
}

fn router(server: Shared) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/files", get(files))
        .route("/api/check", post(check))
        .route("/api/evaluate", post(evaluate))
        .route("/api/explain", post(explain))
        .route("/api/gaps", post(gaps))
        .route("/api/diff", post(diff))
        .route("/api/due", post(due))
        .route("/api/tasks", post(tasks))
        .route("/api/format", post(format))
        .route("/api/save", post(save))
        .layer(middleware::from_fn_with_state(server.clone(), guard))
        .with_state(server)
}

/// The guards of a local server: this server's name in `Host`, this server's page in
/// `Origin` when there is one.
async fn guard(State(server): State<Shared>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| server.hosts.iter().any(|ours| ours == h)) {
        return refused(
            StatusCode::FORBIDDEN,
            "this server answers only to its own address",
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ours = server
            .hosts
            .iter()
            .any(|h| origin.to_str().ok() == Some(format!("http://{h}").as_str()));
        if !ours {
            return refused(
                StatusCode::FORBIDDEN,
                "requests from other pages are refused",
            );
        }
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn refused(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

async fn page() -> Response {
    let mut response = axum::response::Html(PAGE).into_response();
    // Everything is in the page itself; it may only talk to this server.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The policies as the page sends them: texts by path.
#[derive(Deserialize)]
struct Edited {
    #[serde(default)]
    files: BTreeMap<PathBuf, String>,
    #[serde(default)]
    booking_id: Option<String>,
    /// Which bookings of the evaluation to answer with.
    #[serde(default, flatten)]
    query: Query,
    /// The tasks' days and units.
    #[serde(default, flatten)]
    range: Range,
    /// The statuses of the services due to list (all when none).
    #[serde(default)]
    status: Vec<String>,
}

fn answer<T: serde::Serialize>(result: Result<T, rem::workbench::Refusal>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(refusal) => (StatusCode::UNPROCESSABLE_ENTITY, Json(refusal)).into_response(),
    }
}

fn bench(server: &Server) -> std::sync::MutexGuard<'_, Workbench> {
    server
        .bench
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn files(State(server): State<Shared>) -> Response {
    let bench = bench(&server);
    let files: Vec<Value> = bench
        .saved
        .iter()
        .map(|(path, text)| {
            json!({"path": path, "text": text, "editable": bench.editable.contains(path)})
        })
        .collect();
    Json(json!({
        "files": files,
        "now": bench.now.to_rfc3339(),
        "bookings": bench.bookings.len(),
        "rejected": bench.rejected,
        "services": bench.services.as_ref().map(|s| json!({
            "records": s.records.len(),
            "rejected": s.rejects.len(),
        })),
    }))
    .into_response()
}

async fn check(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    Json(bench(&server).check(&edited.files)).into_response()
}

async fn evaluate(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    answer(bench(&server).evaluate(&edited.files, &edited.query))
}

async fn explain(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    let id = edited.booking_id.unwrap_or_default();
    answer(bench(&server).explain(&edited.files, &id))
}

async fn gaps(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    answer(bench(&server).gaps(&edited.files))
}

async fn diff(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    answer(bench(&server).diff(&edited.files))
}

async fn due(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    answer(bench(&server).due(&edited.files, &edited.status))
}

async fn tasks(State(server): State<Shared>, Json(edited): Json<Edited>) -> Response {
    answer(bench(&server).tasks(&edited.files, &edited.range))
}

#[derive(Deserialize)]
struct Text {
    text: String,
}

async fn format(Json(body): Json<Text>) -> Response {
    match rem::fmt::format(&body.text) {
        Ok(text) => Json(json!({ "text": text })).into_response(),
        Err(e) => refused(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    }
}

#[derive(Deserialize)]
struct Save {
    path: PathBuf,
    text: String,
}

/// Writes one of the policy files named at start, with the token, when the policies check
/// without errors.
async fn save(
    State(server): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Save>,
) -> Response {
    let token = headers.get("x-rem-token").map(HeaderValue::as_bytes);
    if !token.is_some_and(|t| same(t, server.token.as_bytes())) {
        return refused(
            StatusCode::FORBIDDEN,
            "saving needs the token printed when `rem serve` started",
        );
    }
    let mut bench = bench(&server);
    if !bench.editable.contains(&body.path) {
        return refused(
            StatusCode::FORBIDDEN,
            "only the policy files named when `rem serve` started are written",
        );
    }
    let edited = BTreeMap::from([(body.path.clone(), body.text.clone())]);
    let compiled = bench.compile(&edited);
    if compiled.has_errors() {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not saved: the policies have errors; fix them first",
        );
    }
    if let Err(e) = super::write::write_file(&body.path, body.text.as_bytes()) {
        return refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    bench.saved.insert(body.path, body.text);
    Json(json!({ "saved": true })).into_response()
}

/// Whether two tokens are equal, in a time that does not tell how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}
