//! `refstats`: counts clicks on tracking links in access logs. See `refstats --help`.

// Worker threads allocate and free small strings for every line; mimalloc keeps that cheap
// where the system allocator contends on its arena locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(refstats::cli::main(std::env::args_os()));
}
