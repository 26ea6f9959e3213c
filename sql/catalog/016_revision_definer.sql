-- bump_revision (004) updates the collection row of a changed field, partition, index or
-- alias row.  It ran with the caller's privileges, so a role granted only what its operation
-- writes (RBAC's Load: UPDATE (loaded) on partitions; CreateIndex: INSERT on indexes) was
-- refused the collections row it never touches itself ("permission denied for table
-- collections"), and Milvus's privilege looked missing.  It only moves a revision counter of the
-- row's own collection: run it as the catalog's owner, like the revision markers (006).
ALTER FUNCTION pgmilvus_catalog.bump_revision() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
