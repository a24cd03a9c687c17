//! `refgen`: compiles a referral program into per-partner static pages and redirect rules.

fn main() {
    std::process::exit(refgen::cli::run(std::env::args_os()));
}
