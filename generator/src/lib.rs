//! The generator behind `refgen`: it loads a referral program with the shared model and turns
//! it into what admins and partners use.
//!
//! The command line lives in [`cli`]; which program a command works on is settled in
//! [`program_source`]; how failures reach the user (headline, causes, hint, exit status) in
//! [`failure`]. [`build`] compiles a program into files, which only `refcenter_output` writes;
//! [`serve`] previews a build locally and [`init`] starts a new program from the sample.

pub mod build;
pub mod cli;
pub mod failure;
pub mod init;
pub mod program_source;
pub mod serve;
