//! Typed requests and answers per API area (paths and fields as in the protocol notes §3, checked against
//! WeCom's doc pages named in each file). Answers default missing fields: WeCom omits empty ones.

pub mod contact_way;
pub mod contacts;
pub mod groupchat;
pub mod groupmsg;
pub mod moments;
pub mod tags;
pub mod transfer;

/// WeCom writes some timestamps as numbers and some as strings (e.g. `create_time` in group message lists).
pub(crate) mod lenient_i64 {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        N(i64),
        S(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Option::<Either>::deserialize(d)? {
            None => Ok(0),
            Some(Either::N(n)) => Ok(n),
            Some(Either::S(s)) if s.is_empty() => Ok(0),
            Some(Either::S(s)) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Message attachments shared by welcome messages and mass sends (doc 92137 / 92135).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "msgtype", rename_all = "lowercase")]
pub enum Attachment {
    Image { image: Image },
    Link { link: Link },
    Miniprogram { miniprogram: Miniprogram },
    Video { video: Media },
    File { file: Media },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Image {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub media_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pic_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub picurl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub desc: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Miniprogram {
    pub title: String,
    pub pic_media_id: String,
    pub appid: String,
    pub page: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Media {
    pub media_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub content: String,
}
