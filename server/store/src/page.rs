//! Server-side paging.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub page_size: i64,
}

impl Page {
    pub const MAX_SIZE: i64 = 200;

    /// A page, clamped to sane bounds: page ≥ 1, 1 ≤ size ≤ 200.
    pub fn new(page: Option<i64>, page_size: Option<i64>) -> Self {
        Self { page: page.unwrap_or(1).max(1), page_size: page_size.unwrap_or(20).clamp(1, Self::MAX_SIZE) }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.page_size)
    }

    pub fn limit(&self) -> i64 {
        self.page_size
    }

    pub fn wrap<T>(&self, items: Vec<T>, total: i64) -> Paged<T> {
        Paged { items, total, page: self.page, page_size: self.page_size }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `LIKE … ESCAPE '\'`.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

impl Order {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("desc") => Order::Desc,
            _ => Order::Asc,
        }
    }
}
