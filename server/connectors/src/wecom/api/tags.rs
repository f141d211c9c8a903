//! Corp tags and marking (docs 92117, 92118).

use serde::{Deserialize, Serialize};

use crate::wecom::client::{Empty, Result, WecomClient};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub order: u32,
    /// Only reported when querying by id.
    #[serde(default)]
    pub deleted: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TagGroup {
    pub group_id: String,
    pub group_name: String,
    #[serde(default)]
    pub create_time: i64,
    /// Larger sorts first.
    #[serde(default)]
    pub order: u32,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub tag: Vec<Tag>,
}

/// Both empty: every group. Both given: `group_id` wins (WeCom's rule).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TagQuery {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_id: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_id: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct TagGroups {
    #[serde(default)]
    tag_group: Vec<TagGroup>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NewTag {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
}

/// Adds tags to an existing group (`group_id`, or an existing `group_name`) or creates a group with them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddCorpTag {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
    pub tag: Vec<NewTag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct AddedGroup {
    tag_group: TagGroup,
}

/// `id` is a tag id or a group id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EditCorpTag {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MarkTag {
    pub userid: String,
    pub external_userid: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add_tag: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_tag: Vec<String>,
}

impl WecomClient {
    pub fn get_corp_tag_list(&self, q: &TagQuery) -> Result<Vec<TagGroup>> {
        Ok(self.post::<_, TagGroups>("/cgi-bin/externalcontact/get_corp_tag_list", q)?.tag_group)
    }

    pub fn add_corp_tag(&self, req: &AddCorpTag) -> Result<TagGroup> {
        Ok(self.post::<_, AddedGroup>("/cgi-bin/externalcontact/add_corp_tag", req)?.tag_group)
    }

    pub fn edit_corp_tag(&self, req: &EditCorpTag) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/edit_corp_tag", req).map(|_| ())
    }

    /// Deleting every tag of a group deletes the group.
    pub fn del_corp_tag(&self, q: &TagQuery) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/del_corp_tag", q).map(|_| ())
    }

    pub fn mark_tag(&self, req: &MarkTag) -> Result<()> {
        self.post::<_, Empty>("/cgi-bin/externalcontact/mark_tag", req).map(|_| ())
    }
}
