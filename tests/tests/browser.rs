//! A real headless Chromium on a parent partner's page, served by `refgen serve`: it picks a
//! child, a link and one of the child's ads, clicks Generate Link and reads the exact URL;
//! then, with JavaScript off, finds her own links in her page's table and follows the links to
//! her downline's pages to find the same URL, and a grandchild's. Partners read
//! their click figures, their commission structure, their ledger and their orders.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use refcenter_tests::webdriver::Browser;
use refcenter_tests::{private_paths, repo_root, servers};

/// The link samantha generates for her child swdf, on link `test`, with swdf's ad.
const EXPECTED: &str = "https://martyc.example.com/go/test/swdf/instagram";

#[test]
fn a_parent_generates_a_link_for_a_child_with_and_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let server = servers::refgen_serve(&repo_root().join("partners.toml"), &out, dir.path());
    let (_, path) = private_paths(&out).into_iter().find(|(code, _)| code == "samantha").unwrap();
    let page = format!("http://{}{path}", server.addr);

    let browser = Browser::start(dir.path(), true);
    browser.open(&page);
    assert!(browser.find("#generator").is_displayed(), "the script shows the generator");
    assert_eq!(browser.find("#all-links").property("open"), false, "the script folds the table away");
    // Preselected: the partner herself.
    assert_eq!(browser.find("#gen-who").property("value"), "samantha");
    browser.find("#gen-who option[value=\"swdf\"]").click();
    browser.find("#gen-link option[value=\"test\"]").click();
    browser.find("#gen-ad option[value=\"instagram\"]").click();
    browser.find("#gen-button").click();
    assert_eq!(browser.find("#gen-result").property("value"), EXPECTED);
    // The child's choices replaced the parent's: only swdf's ad (and "None") is offered.
    let ads: Vec<String> = browser.find_all("#gen-ad option").iter().map(|o| o.property("value").to_string()).collect();
    assert_eq!(ads, ["\"\"", "\"instagram\"", "\"story-highlights\""]);
    // A restricted link is offered to whom it is open only: test3 to aapex, not to samantha.
    let links = || -> Vec<String> {
        browser.find_all("#gen-link option").iter().map(|o| o.property("value").to_string()).collect()
    };
    browser.find("#gen-who option[value=\"aapex\"]").click();
    assert_eq!(links(), ["\"xyz\"", "\"test\"", "\"test2\"", "\"test3\""]);
    browser.find("#gen-link option[value=\"test3\"]").click();
    browser.find("#gen-ad option[value=\"print-flyer\"]").click();
    browser.find("#gen-button").click();
    assert_eq!(browser.find("#gen-result").property("value"), "https://martyc.example.com/go/test3/aapex/print-flyer");
    // Back to the parent, no ad: her own plain link.
    browser.find("#gen-who option[value=\"samantha\"]").click();
    assert_eq!(links(), ["\"xyz\"", "\"test\"", "\"test2\""]);
    browser.find("#gen-link option[value=\"xyz\"]").click();
    browser.find("#gen-button").click();
    assert_eq!(browser.find("#gen-result").property("value"), "https://martyc.example.com/go/xyz/samantha");
    drop(browser);

    let browser = Browser::start(dir.path(), false);
    browser.open(&page);
    assert!(!browser.find("#generator").is_displayed(), "without JavaScript the generator stays hidden");
    assert_eq!(browser.find("#all-links").property("open"), true, "no script ran: the table is open");
    let cells = |selector: &str| -> Vec<String> { browser.find_all(selector).iter().map(|c| c.text()).collect() };
    let own = cells("#all-links td code");
    assert_eq!(own.len(), 3 * 3, "her three links, each without an ad and with her two ads: {own:?}");
    assert!(own.iter().any(|c| c == "https://martyc.example.com/go/xyz/samantha/email-list"), "{own:?}");
    assert!(!own.iter().any(|c| c == EXPECTED), "her own table lists only her links");
    // Her children's links are one click away, their children's one more.
    browser.find("#downline-links a").click();
    assert_eq!(browser.find("h1").text(), "Tracking links of Samantha Jones's referral partners");
    let swdf = cells("#partner-swdf td code");
    assert!(swdf.iter().any(|c| c == EXPECTED), "swdf's table holds {EXPECTED}: {swdf:?}");
    assert!(browser.find_all("#partner-swdf .downline").is_empty(), "swdf has no referral partners");
    browser.find("#partner-aapex .downline a").click();
    let grandchild = cells("#partner-a8787 td code");
    assert!(grandchild.contains(&"https://martyc.example.com/go/xyz/a8787".to_owned()), "{grandchild:?}");
}

/// The text of the QR code in the PNG `bytes`.
fn qr_text(bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    // Enlarged four times (each pixel a 4x4 square): the decoder misses codes of under ~4
    // pixels a module, as the page's 160-pixel code is; a phone's camera sees it far larger.
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w * 4, h * 4, |x, y| {
        let p = &buf[((y / 4) * w + x / 4) * channels..];
        let alpha = if channels == 2 || channels == 4 { p[channels - 1] } else { 255 };
        // Transparent counts as white paper.
        if alpha < 128 {
            255
        } else if channels >= 3 {
            ((u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2])) / 3) as u8
        } else {
            p[0]
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

#[test]
fn each_ad_has_a_qr_code_that_reads_as_its_tracking_link_on_screen_and_downloaded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let server = servers::refgen_serve(&repo_root().join("partners.toml"), &out, dir.path());
    let (_, path) = private_paths(&out).into_iter().find(|(code, _)| code == "samantha").unwrap();
    let browser = Browser::start(dir.path(), true);
    browser.open(&format!("http://{}{path}", server.addr));
    for ad in ["email-list", "main-website"] {
        let expected = format!("https://martyc.example.com/go/xyz/samantha/{ad}?qr=1");
        let shown = browser.find(&format!("#ad-{ad} figure.qr svg")).screenshot();
        assert_eq!(qr_text(&shown), expected, "the QR code on the page");
        // One download at a time, each waited for (generously: the browser tests share the
        // machine with each other).
        let download = |button: &str, file: &str| -> std::path::PathBuf {
            browser.find(&format!("#ad-{ad} button.{button}")).click();
            let path = dir.path().join("downloads").join(file);
            // Done when the file is there with its bytes and Chrome's partial file is gone.
            let partial = path.with_extension(format!("{}.crdownload", path.extension().unwrap().to_string_lossy()));
            let done = || path.metadata().is_ok_and(|m| m.len() > 0) && !partial.exists();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !done() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            // A moment more, for the last write to settle.
            std::thread::sleep(std::time::Duration::from_millis(200));
            path
        };
        let png = download("qr-png", &format!("samantha-{ad}.png"));
        let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert_eq!(qr_text(&bytes), expected, "the downloaded PNG");
        let svg = download("qr-svg", &format!("samantha-{ad}.svg"));
        let vector = std::fs::read_to_string(&svg).unwrap();
        assert!(vector.starts_with("<svg") && vector.contains("viewBox"), "{vector}");
    }
}

#[test]
fn a_partner_creates_an_ad_uses_it_at_once_and_proposes_it_for_the_program_file() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    refcenter_tests::copy_sample(&program);
    let config = program.join("partners.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    let toml = toml.replace("[program]\n", "[program]\nrepository = \"https://github.com/martyc/referrals\"\n");
    std::fs::write(&config, toml).unwrap();
    let out = dir.path().join("out");
    let server = servers::refgen_serve(&config, &out, dir.path());
    let (_, path) = private_paths(&out).into_iter().find(|(code, _)| code == "samantha").unwrap();
    let page = format!("http://{}{path}", server.addr);
    let browser = Browser::start(dir.path(), true);
    browser.open(&page);
    let value = |selector: &str| browser.find(selector).property("value").as_str().unwrap_or_default().to_owned();

    browser.find("#ad-name").click();
    type_into(&browser, "#ad-name", "Spring Flyer!");
    browser.find("#ad-media option[value=\"print\"]").click();
    browser.find("#ad-create").click();
    assert_eq!(browser.find("#ad-status").text(), "Ad spring-flyer created.");
    assert_eq!(value("#new-ad-spring-flyer-link"), "https://martyc.example.com/go/xyz/samantha/spring-flyer");
    let entry = value("#new-ad-spring-flyer-toml");
    let start = value("#ad-start");
    assert_eq!(
        entry,
        format!(
            "[[ads]]\npartner = \"samantha\"\ncode = \"spring-flyer\"\nname = \"Spring Flyer!\"\nmedia = \"print\"\nstart = {start}\n"
        )
    );
    let propose = browser.find("#new-ad-spring-flyer a.propose").property("href").as_str().unwrap().to_owned();
    assert!(propose.starts_with("https://github.com/martyc/referrals/new/main?filename=ads%2Fsamantha-spring-flyer.toml&value=%5B%5Bads%5D%5D%0Apartner"), "{propose}");
    // The same name again gets a code of its own; the ads stay when the page is opened again.
    type_into(&browser, "#ad-name", "Spring flyer");
    browser.find("#ad-create").click();
    assert_eq!(browser.find("#ad-status").text(), "Ad spring-flyer-2 created.");
    browser.open(&page);
    assert_eq!(browser.find_all("#new-ad-list section.new-ad").len(), 2);
    // The generator offers them at once.
    browser.find("#gen-ad option[value=\"spring-flyer\"]").click();
    browser.find("#gen-button").click();
    assert_eq!(value("#gen-result"), "https://martyc.example.com/go/xyz/samantha/spring-flyer");

    // The admin adds the entry as proposed: the program checks, and the page shows the ad
    // registered, in My Ads with its QR code.
    std::fs::write(program.join("ads/samantha-spring-flyer.toml"), &entry).unwrap();
    let check = refcenter_tests::run("refgen", &["check", "--config", config.to_str().unwrap()], dir.path());
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        browser.open(&page);
        if !browser.find_all("#ad-spring-flyer figure.qr").is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the rebuilt page lists the new ad");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(browser.find("#new-ad-spring-flyer .tag").text(), "registered");
    assert_eq!(browser.find("#new-ad-spring-flyer-2 .tag").text(), "not registered yet");
    browser.find("#new-ad-spring-flyer .remove").click();
    assert_eq!(browser.find_all("#new-ad-list section.new-ad").len(), 1);
}

/// Types `text` into the field matched by `selector`, replacing what it held.
fn type_into(browser: &Browser, selector: &str, text: &str) {
    let field = browser.find(selector);
    field.clear();
    field.send_keys(text);
}

/// Runs refstats with `args` into the store `stats/` of the program copied into `program`.
fn into_store(program: &std::path::Path, args: &[&str]) {
    let (config, store) = (program.join("partners.toml"), program.join("stats"));
    let mut all = vec!["--config", config.to_str().unwrap(), "--store", store.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = refcenter_tests::run("refstats", &all, program);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A combined-format access log line.
fn combined(client: &str, when: &str, path: &str, agent: &str) -> String {
    referred(client, when, path, agent, "-")
}

/// A combined-format access log line with a referrer.
fn referred(client: &str, when: &str, path: &str, agent: &str, referrer: &str) -> String {
    format!("{client} - - [{when} +0000] \"GET {path} HTTP/1.1\" 302 0 \"{referrer}\" \"{agent}\"\n")
}

#[test]
fn a_partner_finds_its_click_figures_on_its_stats_page() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    refcenter_tests::copy_sample(&program);
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
    let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1";
    let mut log = String::new();
    // samantha: three clicks of two visitors through her email list two days before the
    // as-of day (from the United States, one through Instagram, and from Australia, a QR code
    // scan), one of a third visitor 32 days before it (the Netherlands), and a bot nobody
    // counts.
    let instagram = "https://www.instagram.com/p/x";
    log += &referred("8.8.8.1", "01/May/2024:10:00:00", "/go/xyz/samantha/email-list", firefox, instagram);
    log += &combined("8.8.8.1", "01/May/2024:10:05:00", "/go/xyz/samantha/email-list", firefox);
    log += &combined("1.0.0.2", "01/May/2024:11:00:00", "/go/xyz/samantha/email-list?qr=1", iphone);
    log += &combined("193.0.6.3", "01/Apr/2024:09:00:00", "/go/xyz/samantha", firefox);
    log += &combined("198.51.100.4", "01/May/2024:12:00:00", "/go/xyz/samantha", "curl/8.5.0");
    // Her child aapex: four visitors.
    for i in 10..14 {
        log += &combined(&format!("198.51.100.{i}"), "02/May/2024:08:00:00", "/go/test/aapex/print-flyer", firefox);
    }
    std::fs::write(dir.path().join("access.log"), log).unwrap();
    let log = dir.path().join("access.log");
    into_store(&program, &["--as-of", "2024-05-03", "--breakdowns", "all", log.to_str().unwrap()]);

    let out = dir.path().join("out");
    let server = servers::refgen_serve(&program.join("partners.toml"), &out, dir.path());
    let paths = private_paths(&out);
    let page = |code: &str| {
        let (_, path) = paths.iter().find(|(c, _)| c == code).unwrap();
        format!("http://{}{path}stats/", server.addr)
    };
    let browser = Browser::start(dir.path(), true);
    browser.open(&page("samantha"));
    let row = |selector: &str| -> Vec<String> { browser.find_all(selector).iter().map(|c| c.text()).collect() };
    // Last 7 days, 30, 90, all time: clicks and unique clicks.
    assert_eq!(row("#totals tbody tr:nth-child(1) td"), ["3", "2", "3", "2", "4", "3", "4", "3"]);
    assert_eq!(row("#totals tbody tr:nth-child(2) td"), ["4", "4", "4", "4", "4", "4", "4", "4"], "her downline");
    assert_eq!(row("#by-link tr[data-code=\"xyz\"] td"), ["3", "2", "3", "2", "4", "3", "4", "3"]);
    assert_eq!(row("#by-ad tr[data-code=\"email-list\"] td"), ["3", "2", "3", "2", "3", "2", "3", "2"]);
    assert_eq!(browser.find_all("#by-link tbody tr").len(), 1, "only her own links: aapex's `test` is not listed");
    assert_eq!(browser.find_all(".chart rect").len(), 2, "a bar for 2024-04-01 and one for 2024-05-01");
    // Where her clicks came from: the last 7 days (the first group) and all time (the last).
    let values = |dim: &str, group: &str| -> Vec<(String, String)> {
        let rows = browser.find_all(&format!("#breakdown-{dim} tbody:{group} tr[data-value]"));
        rows.iter()
            .map(|r| {
                let value = r.property("dataset")["value"].as_str().unwrap_or_default().to_owned();
                (value, r.text().rsplit(' ').next().unwrap_or_default().to_owned())
            })
            .collect()
    };
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter().map(|(v, n)| ((*v).to_owned(), (*n).to_owned())).collect()
    };
    assert_eq!(values("country", "first-of-type"), pairs(&[("US", "2"), ("AU", "1")]));
    assert_eq!(values("country", "last-of-type"), pairs(&[("US", "2"), ("AU", "1"), ("NL", "1")]));
    assert_eq!(values("source", "first-of-type"), pairs(&[("link", "2"), ("qr", "1")]));
    assert_eq!(values("referrer", "last-of-type"), pairs(&[("(direct)", "3"), ("instagram.com", "1")]));
    assert_eq!(values("device", "last-of-type"), pairs(&[("desktop", "3"), ("mobile", "1")]));
    assert_eq!(browser.find("#breakdown-source caption").text(), "QR code or link");
    // Everything the page loaded came from the site itself.
    let loaded = browser.script("return [location.origin, performance.getEntriesByType('resource').map(e => e.name)];");
    let origin = loaded[0].as_str().unwrap_or_default().to_owned();
    let resources: Vec<&str> = loaded[1].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(!resources.is_empty(), "the page loads its stylesheet");
    assert!(resources.iter().all(|r| r.starts_with(&format!("{origin}/"))), "{origin}: {resources:?}");

    browser.open(&page("aapex"));
    assert_eq!(row("#totals tbody tr:nth-child(1) td"), ["4", "4", "4", "4", "4", "4", "4", "4"]);
    assert_eq!(browser.find_all("#by-link tbody tr").len(), 1);

    browser.open(&page("abc123"));
    assert!(browser.find("#no-clicks").text().starts_with("No clicks yet"), "a partner without clicks");
    assert!(browser.find_all("#totals").is_empty());
}

#[test]
fn a_partner_reads_its_commission_structure_ledger_and_orders() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    refcenter_tests::copy_sample(&program);
    // aapex's order (samantha is its parent), samantha's own order, swdf's lead.
    let export = "order_id,date,kind,status,amount,refunded,refunded_at,currency,email,partner,link,ad,sku\n\
                  A1,2024-05-01,order,paid,200.00,,,USD,ann@example.net,aapex,test,print-flyer,\n\
                  A2,2024-05-02,order,paid,40.00,,,USD,bo@example.net,samantha,xyz,email-list,\n\
                  A3,2024-05-03,lead,,,,,,cy@example.net,swdf,,,\n";
    std::fs::write(dir.path().join("orders.csv"), export).unwrap();
    into_store(&program, &["--orders", dir.path().join("orders.csv").to_str().unwrap(), "--as-of", "2024-06-30"]);

    let out = dir.path().join("out");
    let server = servers::refgen_serve(&program.join("partners.toml"), &out, dir.path());
    let paths = private_paths(&out);
    let page = |code: &str, sub: &str| {
        let (_, path) = paths.iter().find(|(c, _)| c == code).unwrap();
        format!("http://{}{path}{sub}", server.addr)
    };
    let browser = Browser::start(dir.path(), true);
    let cells = |selector: &str| -> Vec<String> { browser.find_all(selector).iter().map(|c| c.text()).collect() };

    // From her Partner Center, samantha follows the links to her commission structure.
    browser.open(&page("samantha", ""));
    browser.find("nav a[href=\"commission/\"]").click();
    assert_eq!(browser.find("h1").text(), "My Commission Structure");
    assert_eq!(browser.find("#plan").text(), "Founding partners");
    assert_eq!(cells("#levels tr[data-level=\"1\"] td"), ["Orders and leads you refer", "25%", "2.00 USD"]);
    assert_eq!(cells("#levels tr[data-level=\"2\"] td"), ["Those your referral partners refer", "2.50 USD", "nothing"]);
    assert_eq!(browser.find("#minimum-payout").text(), "25.00 USD");

    // Her ledger: 25% of her 40.00 order, and 2.50 on her child's order, named by the child.
    browser.open(&page("samantha", ""));
    browser.find("nav a[href=\"ledger/\"]").click();
    assert_eq!(browser.find("h1").text(), "My Ledger");
    assert_eq!(browser.find("#balance-earned").text(), "12.50");
    assert_eq!(browser.find("#balance-payable").text(), "12.50");
    assert!(browser.find("#due").text().contains("once it reaches 25.00 USD"));
    let lines = cells("#lines tbody tr");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("order A2 (xyz, email-list)") && lines[0].contains("10.00"), "{lines:?}");
    assert!(lines[1].contains("an order of your referral partner aapex") && lines[1].contains("2.50"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("A1")), "the parent never sees the child's order");

    // Link Tracking Stats: opt-ins, orders and commission per window (7, 30, 90 days, all).
    browser.open(&page("samantha", "stats/"));
    let windows = ["0", "0", "0.00", "0", "0", "0.00"];
    let mine: Vec<&str> = windows.iter().copied().chain(["0", "1", "10.00", "0", "1", "10.00"]).collect();
    assert_eq!(cells("#conv-totals tbody tr:nth-child(1) td"), mine);
    let downline: Vec<&str> = windows.iter().copied().chain(["1", "1", "2.50", "1", "1", "2.50"]).collect();
    assert_eq!(cells("#conv-totals tbody tr:nth-child(2) td"), downline, "her downline's totals");
    assert_eq!(cells("#conv-links tr[data-code=\"xyz\"] td")[9..], ["0", "1", "10.00"]);
    assert_eq!(browser.find_all("#conv-links tbody tr").len(), 1, "only her own orders per link");

    // The child sees its own order and nothing of its parent's.
    browser.open(&page("aapex", "ledger/"));
    assert_eq!(browser.find("#balance-payable").text(), "40.00");
    let lines = cells("#lines tbody tr");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("order A1 (test, print-flyer)") && !lines[0].contains("A2"), "{lines:?}");
    browser.open(&page("aapex", "stats/"));
    assert_eq!(browser.find_all("#conv-totals tbody tr").len(), 1, "aapex has no downline of its own orders");
    let text = browser.find("main").text();
    assert!(!text.contains("10.00") && !text.contains("A2"), "{text}");
}
