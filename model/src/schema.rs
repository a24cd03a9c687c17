//! The JSON Schema of the program file, generated from the same structs the loader reads, so
//! that editors can complete and check `partners.toml` as admins type.

use crate::file_format::ProgramFile;

/// The JSON Schema (draft 2020-12) of a program file, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ProgramFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_rejects_unknown_keys() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        for def in [
            "ProgramSection",
            "LinkEntry",
            "PartnerEntry",
            "AdEntry",
            "CommissionsSection",
            "PlanEntry",
            "LevelEntry",
            "OverrideEntry",
            "StatsSection",
        ] {
            assert_eq!(schema["$defs"][def]["additionalProperties"], false, "{def}");
        }
        let media = &schema["$defs"]["MediaType"];
        assert!(media.to_string().contains("\"social\""), "{media}");
    }
}
