//! The watched inbound folder's rules: which dataset a file name is, and when a file is complete.

use crate::layout::Dataset;

/// Whether `name` matches `pattern`: `*` any run of characters (none included), `?` exactly one; case-sensitive,
/// as file systems are.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative wildcard match with one backtrack point (the last `*`).
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// The dataset a file in the inbound folder holds, by name; None for files to leave alone (control files, work
/// files, hidden files, names no pattern matches).
pub fn dataset_of(name: &str, customers: &str, holdings: &str) -> Option<Dataset> {
    if name.starts_with('.') || name.ends_with(".ctl") || name.ends_with(".part") || name.ends_with(".tmp") {
        return None;
    }
    if matches(customers, name) {
        Some(Dataset::Customers)
    } else if matches(holdings, name) {
        Some(Dataset::Holdings)
    } else {
        None
    }
}

/// Whether a file is complete: its control file is there (senders write it last), or — when no control file is
/// required — its size has not changed for `stable_secs`.
pub fn complete(has_control: bool, require_control: bool, unchanged_for_secs: Option<u64>, stable_secs: u64) -> bool {
    has_control || (!require_control && unchanged_for_secs.is_some_and(|s| s >= stable_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("customers*", "customers-20261130.csv"));
        assert!(matches("CUST_????????.dat", "CUST_20261130.dat"));
        assert!(!matches("CUST_????????.dat", "CUST_2026113.dat"));
        assert!(matches("*hold*.csv", "daily-holdings.csv"));
        assert!(!matches("holdings*", "customers.csv"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn files_by_name_and_completeness() {
        assert_eq!(dataset_of("customers-1.csv", "customers*", "holdings*"), Some(Dataset::Customers));
        assert_eq!(dataset_of("holdings-1.csv", "customers*", "holdings*"), Some(Dataset::Holdings));
        for skip in ["customers-1.csv.ctl", ".customers-1.csv", "customers-1.csv.part", "other.csv"] {
            assert_eq!(dataset_of(skip, "customers*", "holdings*"), None, "{skip}");
        }
        assert!(complete(true, true, None, 10));
        assert!(!complete(false, true, Some(100), 10), "a required control file is waited for");
        assert!(!complete(false, false, None, 0), "a file seen once is not yet known to be stable");
        assert!(!complete(false, false, Some(3), 10));
        assert!(complete(false, false, Some(10), 10));
    }
}
