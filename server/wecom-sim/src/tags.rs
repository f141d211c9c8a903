//! Corp tags and marking (docs 92117, 92118): ids `et…`, ≤3000 tags (40126), names unique within a group.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{corp, err, run_json};
use crate::state::{Sim, TagDef, TagGroupDef};

type Q = web::Query<HashMap<String, String>>;

const MAX_TAGS: usize = 3000;

fn group_json(g: &TagGroupDef, only: Option<&[String]>) -> Value {
    let tags: Vec<Value> = g
        .tags
        .iter()
        .filter(|t| only.is_none_or(|ids| ids.contains(&t.id)))
        .map(|t| json!({"id": t.id, "name": t.name, "create_time": t.create_time, "order": t.order}))
        .collect();
    json!({"group_id": g.group_id, "group_name": g.group_name, "create_time": g.create_time, "order": g.order, "tag": tags})
}

#[derive(Deserialize, Default)]
pub struct TagQuery {
    #[serde(default)]
    tag_id: Vec<String>,
    #[serde(default)]
    group_id: Vec<String>,
}

pub async fn get_corp_tag_list(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    let body = if body.is_empty() { web::Bytes::from_static(b"{}") } else { body };
    run_json(&sim, "get_corp_tag_list", &q, &body, |w, corp_id, r: TagQuery, _| {
        let c = corp(w, corp_id);
        let groups: Vec<Value> = if !r.group_id.is_empty() {
            c.tag_groups.iter().filter(|g| r.group_id.contains(&g.group_id)).map(|g| group_json(g, None)).collect()
        } else if !r.tag_id.is_empty() {
            c.tag_groups
                .iter()
                .filter(|g| g.tags.iter().any(|t| r.tag_id.contains(&t.id)))
                .map(|g| group_json(g, Some(&r.tag_id)))
                .collect()
        } else {
            c.tag_groups.iter().map(|g| group_json(g, None)).collect()
        };
        Ok(json!({"tag_group": groups}))
    })
}

#[derive(Deserialize)]
pub struct NewTag {
    name: String,
    order: Option<u32>,
}

#[derive(Deserialize)]
pub struct AddReq {
    group_id: Option<String>,
    group_name: Option<String>,
    order: Option<u32>,
    #[serde(default)]
    tag: Vec<NewTag>,
}

pub async fn add_corp_tag(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "add_corp_tag", &q, &body, |w, corp_id, r: AddReq, now| {
        if r.tag.is_empty() {
            return Err(err(40071, "empty tag group is not allowed"));
        }
        if r.tag.iter().any(|t| t.name.is_empty() || t.name.chars().count() > 30) {
            return Err(err(40058, "tag name must be 1..30 characters"));
        }
        let total: usize = corp(w, corp_id).tag_groups.iter().map(|g| g.tags.len()).sum();
        if total + r.tag.len() > MAX_TAGS {
            return Err(err(40126, "tag count exceeds limit"));
        }
        let existing = corp(w, corp_id).tag_groups.iter().position(|g| {
            Some(&g.group_id) == r.group_id.as_ref()
                || (r.group_id.is_none() && Some(&g.group_name) == r.group_name.as_ref())
        });
        let gi = match (existing, &r.group_id) {
            (Some(i), _) => i,
            (None, Some(_)) => return Err(err(40068, "invalid tag group id")),
            (None, None) => {
                let name =
                    r.group_name.clone().filter(|n| !n.is_empty()).ok_or_else(|| err(40058, "group_name required"))?;
                let gid = w.id("et");
                let c = corp(w, corp_id);
                c.tag_groups.push(TagGroupDef {
                    group_id: gid,
                    group_name: name,
                    create_time: now,
                    order: r.order.unwrap_or(0),
                    tags: vec![],
                });
                c.tag_groups.len() - 1
            }
        };
        let mut added = vec![];
        for t in r.tag {
            if corp(w, corp_id).tag_groups[gi].tags.iter().any(|x| x.name == t.name)
                || added.iter().any(|x: &TagDef| x.name == t.name)
            {
                continue; // duplicate names in a group collapse to one (doc 92117)
            }
            let id = w.id("et");
            added.push(TagDef { id, name: t.name, create_time: now, order: t.order.unwrap_or(0) });
        }
        let g = &mut corp(w, corp_id).tag_groups[gi];
        g.tags.extend(added.iter().cloned());
        let shown = TagGroupDef { tags: added, ..g.clone() };
        Ok(json!({"tag_group": group_json(&shown, None)}))
    })
}

#[derive(Deserialize)]
pub struct EditReq {
    id: String,
    name: Option<String>,
    order: Option<u32>,
}

pub async fn edit_corp_tag(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "edit_corp_tag", &q, &body, |w, corp_id, r: EditReq, _| {
        let c = corp(w, corp_id);
        if let Some(g) = c.tag_groups.iter_mut().find(|g| g.group_id == r.id) {
            if let Some(n) = r.name {
                g.group_name = n;
            }
            if let Some(o) = r.order {
                g.order = o;
            }
            return Ok(json!({}));
        }
        for g in &mut c.tag_groups {
            let dup = r.name.as_ref().is_some_and(|n| g.tags.iter().any(|t| &t.name == n && t.id != r.id));
            if let Some(t) = g.tags.iter_mut().find(|t| t.id == r.id) {
                if dup {
                    return Err(err(40071, "duplicate tag name"));
                }
                if let Some(n) = r.name {
                    t.name = n;
                }
                if let Some(o) = r.order {
                    t.order = o;
                }
                return Ok(json!({}));
            }
        }
        Err(err(40068, "invalid tagid"))
    })
}

pub async fn del_corp_tag(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "del_corp_tag", &q, &body, |w, corp_id, r: TagQuery, _| {
        if r.tag_id.is_empty() && r.group_id.is_empty() {
            return Err(err(40058, "tag_id and group_id both empty"));
        }
        let c = corp(w, corp_id);
        c.tag_groups.retain(|g| !r.group_id.contains(&g.group_id));
        for g in &mut c.tag_groups {
            g.tags.retain(|t| !r.tag_id.contains(&t.id));
        }
        // A group whose tags are all gone is gone too.
        c.tag_groups.retain(|g| !g.tags.is_empty());
        let live: Vec<String> = c.tag_groups.iter().flat_map(|g| g.tags.iter().map(|t| t.id.clone())).collect();
        for ct in c.contacts.values_mut() {
            for f in &mut ct.follows {
                f.tag_ids.retain(|t| live.contains(t));
            }
        }
        Ok(json!({}))
    })
}

#[derive(Deserialize)]
pub struct MarkReq {
    userid: String,
    external_userid: String,
    #[serde(default)]
    add_tag: Vec<String>,
    #[serde(default)]
    remove_tag: Vec<String>,
}

pub async fn mark_tag(sim: web::Data<Sim>, q: Q, body: web::Bytes) -> HttpResponse {
    run_json(&sim, "mark_tag", &q, &body, |w, corp_id, r: MarkReq, _| {
        if r.add_tag.is_empty() && r.remove_tag.is_empty() {
            return Err(err(40058, "add_tag and remove_tag both empty"));
        }
        let c = corp(w, corp_id);
        if let Some(bad) = r.add_tag.iter().find(|t| !c.tag_exists(t)) {
            return Err(err(40068, &format!("invalid tagid {bad}")));
        }
        let f = c.follow_mut(&r.external_userid, &r.userid).ok_or_else(|| err(84061, "not external contact"))?;
        f.tag_ids.retain(|t| !r.remove_tag.contains(t));
        for t in r.add_tag {
            if !f.tag_ids.contains(&t) {
                f.tag_ids.push(t);
            }
        }
        Ok(json!({}))
    })
}
