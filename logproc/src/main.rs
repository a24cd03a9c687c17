//! `refstats`: counts clicks on tracking links in access logs. See `refstats --help`.

fn main() {
    std::process::exit(refstats::cli::main(std::env::args_os()));
}
