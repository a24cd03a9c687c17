//! `refgen`: compiles a referral program into per-partner static pages and redirect rules.

// Every page is rendered from many small strings and maps, made and dropped page after page on
// each core; mimalloc keeps that cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(refgen::cli::run(std::env::args_os()));
}
