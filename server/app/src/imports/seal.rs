//! Sealing a batch of imported rows fast: each field class's key and index MAC are looked up once per batch
//! (`Vault::sealer` / `Vault::indexer`), and the batch is sealed on every core, in order. Every C2 field is still
//! sealed and every searchable one indexed, exactly as `customers::row_of` / `holdings::row_of` do one by one.

use crate::error::{AppError, Result};
use siyu_domain::customer::ValidCustomer;
use siyu_domain::egress::{normalize_address, normalize_name};
use siyu_domain::holding::ValidHolding;
use siyu_domain::pii;
use siyu_store::customers::CustomerRow;
use siyu_store::holdings::HoldingRow;
use siyu_store::sealed::{self, SealedColumn};
use siyu_vault::{Aad, Indexer, Sealer, Vault};

fn vault_err(e: siyu_vault::VaultError) -> AppError {
    crate::keys::vault_err(e)
}

/// A column's sealer for one batch.
struct Col {
    col: SealedColumn,
    sealer: Sealer,
}

impl Col {
    fn new(vault: &Vault, col: SealedColumn) -> Result<Self> {
        Ok(Col { col, sealer: vault.sealer(col.field_class).map_err(vault_err)? })
    }

    fn seal(&self, row_id: &str, plaintext: &str) -> Result<String> {
        self.sealer
            .seal(&Aad::new(self.col.table, self.col.column, row_id), plaintext)
            .map(|v| v.to_text())
            .map_err(vault_err)
    }

    fn opt(&self, row_id: &str, plaintext: Option<&str>) -> Result<Option<String>> {
        plaintext.map(|p| self.seal(row_id, p)).transpose()
    }
}

fn indexer(vault: &Vault, col: SealedColumn) -> Result<Indexer> {
    vault.indexer(col.field_class).map_err(vault_err)
}

/// The customer columns' sealers and indexers, for one batch.
pub struct CustomerSealers {
    no: Col,
    name: Col,
    birth: Col,
    id_number: Col,
    mobile: Col,
    aum: Col,
    address: Col,
    pub no_idx: Indexer,
    /// The digest of what an import writes of a row (`ValidCustomer::import_text`).
    pub row_idx: Indexer,
    name_idx: Indexer,
    name_prefix_idx: Indexer,
    id_number_idx: Indexer,
    mobile_idx: Indexer,
    address_idx: Indexer,
}

/// A customer to seal: validated, resolved, with its row id.
pub struct CustomerToSeal {
    pub line_no: i64,
    pub existing: bool,
    pub v: ValidCustomer,
    pub id: String,
    pub node_id: String,
    pub rm_staff_id: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub row_digest: String,
}

/// The key class of customers' row digests (what an import wrote, `ValidCustomer::import_text`).
pub const ROW_DIGEST_CLASS: &str = "customer.row_digest";

impl CustomerSealers {
    pub fn new(vault: &Vault) -> Result<Self> {
        Ok(CustomerSealers {
            no: Col::new(vault, sealed::CUSTOMER_NO)?,
            name: Col::new(vault, sealed::CUSTOMER_NAME)?,
            birth: Col::new(vault, sealed::CUSTOMER_BIRTH_DATE)?,
            id_number: Col::new(vault, sealed::CUSTOMER_ID_NUMBER)?,
            mobile: Col::new(vault, sealed::CUSTOMER_MOBILE)?,
            aum: Col::new(vault, sealed::CUSTOMER_AUM)?,
            address: Col::new(vault, sealed::CUSTOMER_ADDRESS)?,
            no_idx: indexer(vault, sealed::CUSTOMER_NO)?,
            row_idx: vault.indexer(ROW_DIGEST_CLASS).map_err(vault_err)?,
            name_idx: indexer(vault, sealed::CUSTOMER_NAME)?,
            name_prefix_idx: vault.indexer(crate::customers::NAME_PREFIX_CLASS).map_err(vault_err)?,
            id_number_idx: indexer(vault, sealed::CUSTOMER_ID_NUMBER)?,
            mobile_idx: indexer(vault, sealed::CUSTOMER_MOBILE)?,
            address_idx: indexer(vault, sealed::CUSTOMER_ADDRESS)?,
        })
    }

    /// The row a customer becomes (as `customers::row_of`).
    pub fn row(&self, c: CustomerToSeal, now: chrono::NaiveDateTime) -> Result<CustomerRow> {
        let CustomerToSeal { v, id, node_id, rm_staff_id, created_at, row_digest, .. } = c;
        let (p1, p2) = siyu_domain::customer::name_prefixes(&v.name);
        Ok(CustomerRow {
            name_p1_idx: p1.map(|p| self.name_prefix_idx.index(&p)),
            name_p2_idx: p2.map(|p| self.name_prefix_idx.index(&p)),
            customer_no: self.no.seal(&id, &v.customer_no)?,
            customer_no_idx: self.no_idx.index(&v.customer_no),
            name: self.name.seal(&id, &v.name)?,
            name_idx: self.name_idx.index(&normalize_name(&v.name)),
            gender: v.gender.as_str().into(),
            birth_date: self.birth.opt(&id, v.birth_date.map(|d| d.to_string()).as_deref())?,
            id_number: self.id_number.opt(&id, v.id_number.as_deref())?,
            id_number_idx: v.id_number.as_deref().map(|x| self.id_number_idx.index(x)),
            mobile: self.mobile.opt(&id, v.mobile.as_deref())?,
            mobile_idx: v.mobile.as_deref().map(|x| self.mobile_idx.index(x)),
            risk_level: v.risk_level.map(|r| r.as_str().to_string()),
            risk_assessed_on: v.risk_assessed_on.map(|d| d.to_string()),
            aum: self.aum.opt(&id, v.aum_fen.map(|a| a.to_string()).as_deref())?,
            address: self.address.opt(&id, v.address.as_deref())?,
            address_idx: v.address.as_deref().map(|a| self.address_idx.index(&normalize_address(a))),
            aum_band: v.aum_fen.map(|a| pii::aum_band(a, pii::DEFAULT_AUM_BOUNDS_YUAN)).unwrap_or_else(|| "-".into()),
            id,
            node_id,
            rm_staff_id,
            created_at,
            updated_at: now,
            row_digest: Some(row_digest),
        })
    }
}

/// The holding amount's sealer, for one batch.
pub struct HoldingSealer(Col);

impl HoldingSealer {
    pub fn new(vault: &Vault) -> Result<Self> {
        Ok(HoldingSealer(Col::new(vault, sealed::HOLDING_AMOUNT)?))
    }

    /// The row a holding becomes (as `holdings::row_of`), merged with the stored one when there is one.
    pub fn row(
        &self,
        v: &ValidHolding,
        customer_id: &str,
        existing: Option<&HoldingRow>,
        now: chrono::NaiveDateTime,
    ) -> Result<HoldingRow> {
        crate::holdings::row_with(v, customer_id, existing, now, |id, amount| self.0.seal(id, amount))
    }
}

/// `f` over `items` on up to every core, in order; small batches stay on this thread. Memory stays bounded by
/// the batch: the items are split, not copied.
pub fn par_map<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> Result<U> + Sync) -> Result<Vec<U>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    if threads < 2 || items.len() < 64 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut it = items.into_iter();
    loop {
        let chunk: Vec<T> = it.by_ref().take(per).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let f = &f;
    let results: Vec<Result<Vec<U>>> = std::thread::scope(|s| {
        let handles: Vec<_> =
            chunks.into_iter().map(|c| s.spawn(move || c.into_iter().map(f).collect::<Result<Vec<U>>>())).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(AppError::Internal("a sealing thread panicked".into()))))
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::par_map;

    #[test]
    fn par_map_keeps_order_and_errors() {
        let v: Vec<u32> = (0..1000).collect();
        assert_eq!(par_map(v.clone(), |x| Ok(x * 2)).unwrap(), v.iter().map(|x| x * 2).collect::<Vec<_>>());
        let e = par_map(v, |x| if x == 777 { Err(crate::AppError::Internal("x".into())) } else { Ok(x) });
        assert!(e.is_err());
    }
}
