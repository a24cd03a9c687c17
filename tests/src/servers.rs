//! Real web servers started by the tests on loopback: nginx, Apache httpd and Caddy from the
//! system's packages, each configured with the rules `refgen build` emitted and serving the
//! built site. Each server runs in the foreground as a child process and is stopped when its
//! handle is dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server.
pub struct Server {
    /// Its address.
    pub addr: SocketAddr,
    child: Child,
    /// Its working folder (configuration and logs).
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback is available");
    listener.local_addr().expect("bound").port()
}

/// Starts `command` (a server called `name` that will listen on `addr`) and waits until it
/// accepts connections; its stderr goes to `<dir>/<name>.stderr`.
pub fn start_command(name: &str, command: Command, addr: SocketAddr, dir: &Path) -> Server {
    start(name, command, addr, dir)
}

fn start(name: &str, mut command: Command, addr: SocketAddr, dir: &Path) -> Server {
    let log = std::fs::File::create(dir.join(format!("{name}.stderr"))).expect("log file");
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    let child =
        command.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e} (is it installed? .ci/run installs it)"));
    let mut server = Server { addr, child, dir: dir.to_path_buf() };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = server.child.try_wait().expect("child status") {
            let log = [format!("{name}.stderr"), format!("{name}-error.log")]
                .map(|f| std::fs::read_to_string(dir.join(f)).unwrap_or_default())
                .join("\n");
            panic!("{name} exited with {status} before listening:\n{log}");
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.child.kill();
    panic!("{name} did not listen on {addr} within 20 s");
}

/// nginx serving `output/public` with the emitted maps and locations. `extra_http` is added to
/// the `http` block (log formats, `real_ip` settings); access logging is off unless it names
/// an `access_log`.
pub fn nginx(output: &Path, work: &Path, extra_http: &str) -> Server {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let conf = format!(
        r#"daemon off;
master_process off;
error_log {work}/nginx-error.log info;
pid {work}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    {access_off}
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {output}/servers/nginx/refcenter-maps.conf;
    {extra_http}
    server {{
        listen 127.0.0.1:{port};
        root {output}/public;
        include {output}/servers/nginx/refcenter-locations.conf;
    }}
}}
"#,
        work = work.display(),
        output = output.display(),
        access_off = if extra_http.contains("access_log") { "" } else { "access_log off;" },
    );
    let path = work.join("nginx.conf");
    std::fs::write(&path, conf).expect("config written");
    let mut cmd = Command::new("nginx");
    cmd.arg("-c").arg(&path).arg("-p").arg(work).arg("-e").arg(work.join("nginx-startup.log"));
    start("nginx", cmd, addr, work)
}

/// Apache httpd serving `output/public` with the emitted rewrite rules and map.
pub fn apache(output: &Path, work: &Path) -> Server {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let modules = "/usr/lib/apache2/modules";
    // httpd's children run as www-data and must read the map and the site.
    for dir in [work, output] {
        open_up(dir);
    }
    let conf = format!(
        r#"ServerRoot {work}
ServerName localhost
Listen 127.0.0.1:{port}
PidFile {work}/httpd.pid
ErrorLog {work}/apache-error.log
LogLevel warn
DefaultRuntimeDir {work}
Mutex file:{work} default
User www-data
Group www-data
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule dir_module {modules}/mod_dir.so
Define REFCENTER_MAP {output}/servers/apache/refcenter.map
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot {output}/public
    <Directory {output}/public>
        Require all granted
    </Directory>
    Include {output}/servers/apache/refcenter.conf
</VirtualHost>
"#,
        work = work.display(),
        output = output.display(),
    );
    let path = work.join("httpd.conf");
    std::fs::write(&path, conf).expect("config written");
    let mut cmd = Command::new("apache2");
    cmd.arg("-f").arg(&path).arg("-DFOREGROUND");
    start("apache", cmd, addr, work)
}

/// Caddy serving `output/public` with the emitted snippet.
pub fn caddy(output: &Path, work: &Path) -> Server {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let conf = format!(
        r#"{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    root * {output}/public
    import {output}/servers/caddy/refcenter.caddy
    file_server
}}
"#,
        output = output.display(),
    );
    let path = work.join("Caddyfile");
    std::fs::write(&path, conf).expect("config written");
    let mut cmd = Command::new("caddy");
    cmd.arg("run").arg("--config").arg(&path).arg("--adapter").arg("caddyfile");
    cmd.env("HOME", work).env("XDG_DATA_HOME", work.join("data")).env("XDG_CONFIG_HOME", work.join("config"));
    start("caddy", cmd, addr, work)
}

/// Makes `dir` and everything below it readable (and folders enterable) by other users.
fn open_up(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut at = Some(dir);
    // The folders above must be enterable too (temporary folders are private by default).
    while let Some(d) = at {
        if let Ok(meta) = std::fs::metadata(d) {
            let mode = meta.permissions().mode();
            let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode | 0o005));
        }
        at = d.parent().filter(|p| p.starts_with(std::env::temp_dir()) && *p != std::env::temp_dir());
    }
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let extra = if meta.is_dir() { 0o005 } else { 0o004 };
        let _ =
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(meta.permissions().mode() | extra));
    }
}

/// `refgen serve` for the program at `config`, building into `out`, with the test secret.
pub fn refgen_serve(config: &Path, out: &Path, work: &Path) -> Server {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut cmd = Command::new(crate::bin("refgen"));
    cmd.arg("serve").arg("--config").arg(config).arg("--out").arg(out).arg("--port").arg(port.to_string());
    cmd.env("REFGEN_SECRET", crate::TEST_SECRET).env("NO_COLOR", "1");
    start("refgen-serve", cmd, addr, work)
}
