-- A repeated customer in an import file is found once, when the file is published (a window over the stage), not
-- by a lookup per staged batch: the stage no longer keeps an index of customer numbers to maintain on every row.
DROP INDEX import_customers_no;
