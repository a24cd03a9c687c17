//! A minimal HTTP/1.1 client for the redirect tests. It sends the request path byte for byte,
//! which is the point: `%2F`, `..` and other injection attempts must reach the server exactly
//! as an attacker would send them, where a full client would normalise them first.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The parts of a response the tests look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// All headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends `method path` to `addr` with the given extra header lines and reads the response.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> std::io::Result<Response> {
    send(addr, method, path, headers, None)
}

/// Sends `method path` with a JSON `body` (for the WebDriver client).
pub fn request_json(addr: SocketAddr, method: &str, path: &str, body: &str) -> std::io::Result<Response> {
    send(addr, method, path, &[("Content-Type", "application/json")], Some(body.as_bytes()))
}

fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&bytes)?;
    let raw = read_response(&mut stream, method == "HEAD")?;
    parse(&raw)
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {:?}", String::from_utf8_lossy(&raw))))
}

/// Reads one response: its head only for `HEAD`; up to `Content-Length` when the server sends
/// one (some servers keep the connection open despite `Connection: close`); else to the end
/// of the stream.
fn read_response(stream: &mut TcpStream, head_only: bool) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(raw);
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            if head_only {
                raw.truncate(end + 4);
                return Ok(raw);
            }
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .split("\r\n")
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(length) = length
                && raw.len() >= end + 4 + length
            {
                raw.truncate(end + 4 + length);
                return Ok(raw);
            }
        }
    }
}

fn parse(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let location = headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone());
    Some(Response { status, location, headers, body: raw[end + 4..].to_vec() })
}

/// Sends a GET.
pub fn get(addr: SocketAddr, path: &str) -> std::io::Result<Response> {
    request(addr, "GET", path, &[])
}
