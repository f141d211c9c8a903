//! The tables, written once for both backends (see sql/ for the DDL).

diesel::table! {
    org_nodes (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        code -> Text,
        name -> Text,
        kind -> Text,
        path -> Text,
        depth -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    staff (id) {
        id -> Text,
        employee_no -> Text,
        name -> Text,
        node_id -> Text,
        wecom_userid -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    change_history (id) {
        id -> Text,
        subject_type -> Text,
        subject_id -> Text,
        at -> Timestamp,
        action -> Text,
        from_value -> Nullable<Text>,
        to_value -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (staff_id) {
        staff_id -> Text,
        username -> Text,
        password_hash -> Text,
        password_changed_at -> Timestamp,
        must_change_password -> Bool,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        totp_confirmed_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_history (id) {
        id -> Text,
        staff_id -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    role_assignments (staff_id, role) {
        staff_id -> Text,
        role -> Text,
        granted_by -> Nullable<Text>,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        staff_id -> Text,
        stage -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        client_addr -> Text,
        user_agent -> Text,
        revoked_at -> Nullable<Timestamp>,
        authenticated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        staff_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        username -> Text,
        client_addr -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    login_locks (username) {
        username -> Text,
        locked_until -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        event_id -> Text,
        at -> Timestamp,
        actor_id -> Text,
        actor_name -> Text,
        actor_roles -> Text,
        org_node_id -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        outcome -> Text,
        error_code -> Text,
        reason -> Text,
        client_addr -> Text,
        request_id -> Text,
        session_hash -> Text,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> BigInt,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::joinable!(staff -> org_nodes (node_id));
diesel::joinable!(accounts -> staff (staff_id));
diesel::joinable!(role_assignments -> staff (staff_id));
diesel::joinable!(sessions -> staff (staff_id));
diesel::joinable!(api_tokens -> staff (staff_id));

diesel::table! {
    set_aside_foreign_keys (table_name, name) {
        table_name -> Text,
        name -> Text,
        definition -> Text,
        set_aside_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    org_nodes,
    staff,
    change_history,
    accounts,
    password_history,
    role_assignments,
    sessions,
    api_tokens,
    login_failures,
    login_locks,
    audit_log,
    audit_head,
    jobs,
    vault_keys,
    vault_key_policies,
    vault_meta,
    customers,
    import_customers,
    import_rejects,
    exports,
    holdings,
    import_holdings,
    customer_days,
    customer_events,
    customer_merges,
    crm_pull_state,
    wecom_inbox,
    wecom_nonces,
    wecom_contacts,
    wecom_tokens,
    wecom_locks,
    mail_outbox,
    sms_outbox,
    customer_consents,
    wecom_follow_details,
    wecom_contact_links,
    wecom_tags,
    wecom_tag_syncs,
    wecom_channels,
    wecom_welcomes,
    wecom_transfers,
    wecom_contact_events,
    wecom_add_targets,
);

diesel::table! {
    customer_consents (customer_id, channel) {
        customer_id -> Text,
        channel -> Text,
        opted_out -> Bool,
        source -> Text,
        reason -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        kind -> Text,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> BigInt,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exports (id) {
        id -> Text,
        kind -> Text,
        masked -> Bool,
        node_id -> Text,
        reason -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        expires_at -> Timestamp,
        downloads -> BigInt,
        last_sha256 -> Nullable<Text>,
        last_rows -> Nullable<BigInt>,
    }
}

diesel::joinable!(exports -> org_nodes (node_id));

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        status -> Text,
        params -> Text,
        checkpoint -> Nullable<Text>,
        result -> Nullable<Text>,
        done -> BigInt,
        total -> Nullable<BigInt>,
        attempts -> BigInt,
        max_attempts -> BigInt,
        last_error -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        run_after -> Timestamp,
        dedupe_key -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vault_keys (key_id, version) {
        key_id -> Text,
        version -> BigInt,
        suite -> Text,
        kek_id -> Text,
        wrapped -> Text,
        encryptions -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vault_key_policies (key_id) {
        key_id -> Text,
        min_decryption_version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vault_meta (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        customer_no -> Text,
        customer_no_idx -> Text,
        name -> Text,
        name_idx -> Text,
        gender -> Text,
        birth_date -> Nullable<Text>,
        id_number -> Nullable<Text>,
        id_number_idx -> Nullable<Text>,
        mobile -> Nullable<Text>,
        mobile_idx -> Nullable<Text>,
        risk_level -> Nullable<Text>,
        risk_assessed_on -> Nullable<Text>,
        aum -> Nullable<Text>,
        aum_band -> Text,
        node_id -> Text,
        rm_staff_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        merged_into -> Nullable<Text>,
        name_p1_idx -> Nullable<Text>,
        name_p2_idx -> Nullable<Text>,
        address -> Nullable<Text>,
        address_idx -> Nullable<Text>,
        row_digest -> Nullable<Text>,
    }
}

diesel::joinable!(customers -> org_nodes (node_id));

diesel::table! {
    crm_pull_state (source) {
        source -> Text,
        since -> Nullable<Text>,
        cursor -> Nullable<Text>,
        run_since -> Nullable<Text>,
        next_since -> Nullable<Text>,
        pages -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_merges (id) {
        id -> Text,
        survivor_id -> Text,
        merged_id -> Text,
        matched -> Text,
        moved -> Text,
        reason -> Text,
        merged_by -> Nullable<Text>,
        merged_at -> Timestamp,
        undone_by -> Nullable<Text>,
        undone_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_customers (job_id, line_no) {
        job_id -> Text,
        line_no -> BigInt,
        id -> Text,
        existing -> Bool,
        customer_no -> Text,
        customer_no_idx -> Text,
        name -> Text,
        name_idx -> Text,
        gender -> Text,
        birth_date -> Nullable<Text>,
        id_number -> Nullable<Text>,
        id_number_idx -> Nullable<Text>,
        mobile -> Nullable<Text>,
        mobile_idx -> Nullable<Text>,
        risk_level -> Nullable<Text>,
        risk_assessed_on -> Nullable<Text>,
        aum -> Nullable<Text>,
        aum_band -> Text,
        node_id -> Text,
        rm_staff_id -> Nullable<Text>,
        name_p1_idx -> Nullable<Text>,
        name_p2_idx -> Nullable<Text>,
        address -> Nullable<Text>,
        address_idx -> Nullable<Text>,
        row_digest -> Nullable<Text>,
    }
}

diesel::table! {
    import_unchanged (job_id, line_no) {
        job_id -> Text,
        line_no -> BigInt,
        customer_no_idx -> Text,
    }
}

diesel::table! {
    import_rejects (job_id, line_no) {
        job_id -> Text,
        line_no -> BigInt,
        field -> Text,
        reason -> Text,
    }
}

diesel::table! {
    holdings (id) {
        id -> Text,
        customer_id -> Text,
        product_code -> Text,
        product_name -> Text,
        product_type -> Text,
        product_risk -> Nullable<Text>,
        amount -> Text,
        amount_band -> Text,
        start_date -> Nullable<Text>,
        maturity_date -> Nullable<Text>,
        next_open_date -> Nullable<Text>,
        nav -> Nullable<Text>,
        nav_date -> Nullable<Text>,
        prev_nav -> Nullable<Text>,
        prev_nav_date -> Nullable<Text>,
        purchase_nav -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(holdings -> customers (customer_id));

diesel::table! {
    import_holdings (job_id, line_no) {
        job_id -> Text,
        line_no -> BigInt,
        id -> Text,
        existing -> Bool,
        customer_id -> Text,
        product_code -> Text,
        product_name -> Text,
        product_type -> Text,
        product_risk -> Nullable<Text>,
        amount -> Text,
        amount_band -> Text,
        start_date -> Nullable<Text>,
        maturity_date -> Nullable<Text>,
        next_open_date -> Nullable<Text>,
        nav -> Nullable<Text>,
        nav_date -> Nullable<Text>,
        prev_nav -> Nullable<Text>,
        prev_nav_date -> Nullable<Text>,
        purchase_nav -> Nullable<Text>,
    }
}

diesel::table! {
    customer_days (id) {
        id -> Text,
        customer_id -> Text,
        day -> Text,
        aum -> Nullable<Text>,
        aum_band -> Text,
        unsuitable -> Text,
    }
}

diesel::table! {
    customer_events (id) {
        id -> Text,
        customer_id -> Text,
        kind -> Text,
        event_date -> Text,
        reference -> Text,
        detail -> Text,
        derived_on -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(customer_days -> customers (customer_id));
diesel::joinable!(customer_events -> customers (customer_id));

diesel::table! {
    wecom_inbox (id) {
        id -> Text,
        corp -> Text,
        dedupe_key -> Text,
        event_type -> Text,
        change_type -> Nullable<Text>,
        create_time -> BigInt,
        event -> Text,
        status -> Text,
        attempts -> BigInt,
        last_error -> Nullable<Text>,
        received_at -> Timestamp,
        next_attempt_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    wecom_nonces (corp, nonce) {
        corp -> Text,
        nonce -> Text,
        signature -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    wecom_contacts (corp, external_userid, follow_userid) {
        corp -> Text,
        external_userid -> Text,
        follow_userid -> Text,
        status -> Text,
        state -> Nullable<Text>,
        added_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        delete_reason -> Nullable<Text>,
        transfer_failure -> Nullable<Text>,
        last_event -> Text,
        last_event_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wecom_tokens (corp) {
        corp -> Text,
        access_token -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wecom_locks (name) {
        name -> Text,
        owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    wecom_follow_details (id) {
        id -> Text,
        corp -> Text,
        external_userid -> Text,
        follow_userid -> Text,
        remark -> Nullable<Text>,
        description -> Nullable<Text>,
        mobile_idxs -> Text,
        tag_ids -> Text,
        add_way -> BigInt,
        wecom_created_at -> BigInt,
        synced_at -> Timestamp,
    }
}

diesel::table! {
    wecom_contact_links (id) {
        id -> Text,
        corp -> Text,
        external_userid -> Text,
        name -> Nullable<Text>,
        contact_type -> BigInt,
        customer_id -> Nullable<Text>,
        link_method -> Nullable<Text>,
        linked_by -> Nullable<Text>,
        linked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wecom_tags (corp, tag_id) {
        corp -> Text,
        tag_id -> Text,
        name -> Text,
        group_id -> Text,
        group_name -> Text,
        sort_order -> BigInt,
        synced_at -> Timestamp,
    }
}

diesel::table! {
    wecom_tag_syncs (corp) {
        corp -> Text,
        synced_at -> Timestamp,
        through_received_at -> Timestamp,
    }
}

diesel::table! {
    wecom_channels (id) {
        id -> Text,
        corp -> Text,
        name -> Text,
        kind -> Text,
        node_id -> Text,
        rm_staff_ids -> Text,
        follow_userids -> Text,
        state -> Text,
        config_id -> Nullable<Text>,
        qr_code -> Nullable<Text>,
        welcome_text -> Nullable<Text>,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wecom_welcomes (id) {
        id -> Text,
        corp -> Text,
        welcome_code -> Text,
        channel_id -> Text,
        external_userid -> Text,
        follow_userid -> Text,
        status -> Text,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wecom_transfers (id) {
        id -> Text,
        corp -> Text,
        external_userid -> Text,
        customer_id -> Nullable<Text>,
        node_id -> Text,
        from_staff_id -> Text,
        to_staff_id -> Text,
        handover_userid -> Text,
        takeover_userid -> Text,
        flow -> Nullable<Text>,
        status -> Text,
        errcode -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        message -> Nullable<Text>,
        origin -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wecom_contact_events (inbox_id) {
        inbox_id -> Text,
        corp -> Text,
        external_userid -> Text,
        follow_userid -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        week -> Text,
    }
}

diesel::table! {
    wecom_add_targets (subject_type, subject_id, week) {
        subject_type -> Text,
        subject_id -> Text,
        week -> Text,
        target -> BigInt,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    sms_outbox (id) {
        id -> Text,
        customer_id -> Text,
        requested_by -> Text,
        text -> Text,
        status -> Text,
        attempts -> BigInt,
        last_error -> Nullable<Text>,
        gateway_id -> Nullable<Text>,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sms_outbox -> customers (customer_id));
