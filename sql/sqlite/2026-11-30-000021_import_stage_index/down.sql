CREATE INDEX import_customers_no ON import_customers(job_id, customer_no_idx);
