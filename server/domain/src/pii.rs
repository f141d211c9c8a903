//! Detectors for personal financial information (filled by the vault issue).
