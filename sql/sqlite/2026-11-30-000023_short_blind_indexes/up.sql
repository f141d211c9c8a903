-- Blind indexes and row digests keep the first 128 bits of their HMAC-SHA256 (SM3-HMAC under the SM suite): 32 hex
-- characters instead of 64. 128 bits leave no chance of two values sharing an index at any bank's size (the birthday
-- bound is 2^64 values) and reveal no more than the full MAC, while every row, every index entry and every
-- lookup of customers shrinks: an import writes a fifth less, and a btree of them holds twice the keys per page.
-- The new values are the old ones cut short, so no plaintext is needed to move them.
UPDATE customers SET customer_no_idx = substr(customer_no_idx, 1, 32), name_idx = substr(name_idx, 1, 32),
    id_number_idx = substr(id_number_idx, 1, 32), mobile_idx = substr(mobile_idx, 1, 32),
    name_p1_idx = substr(name_p1_idx, 1, 32), name_p2_idx = substr(name_p2_idx, 1, 32),
    address_idx = substr(address_idx, 1, 32), row_digest = substr(row_digest, 1, 32);
UPDATE import_customers SET customer_no_idx = substr(customer_no_idx, 1, 32), name_idx = substr(name_idx, 1, 32),
    id_number_idx = substr(id_number_idx, 1, 32), mobile_idx = substr(mobile_idx, 1, 32),
    name_p1_idx = substr(name_p1_idx, 1, 32), name_p2_idx = substr(name_p2_idx, 1, 32),
    address_idx = substr(address_idx, 1, 32), row_digest = substr(row_digest, 1, 32);
UPDATE import_unchanged SET customer_no_idx = substr(customer_no_idx, 1, 32);
-- The mobiles a WeCom contact's follow-up record carries: a JSON array of indexes.
UPDATE wecom_follow_details SET mobile_idxs = (SELECT json_group_array(substr(value, 1, 32))
    FROM json_each(wecom_follow_details.mobile_idxs)) WHERE mobile_idxs <> '[]';
