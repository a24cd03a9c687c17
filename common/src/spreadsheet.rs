//! Text bound for a CSV file a person opens in a spreadsheet (the private addresses list, the
//! payment files): a field a spreadsheet would read as a formula is defused.

/// `s` with a leading `'` when a spreadsheet would read it as a formula (it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return).
pub fn spreadsheet_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_text_is_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(spreadsheet_safe("\t=1"), "'\t=1");
        assert_eq!(spreadsheet_safe("Sam = 1"), "Sam = 1");
    }
}
