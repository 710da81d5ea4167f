//! A JSON value read as strictly as the API documents it: where a struct (a JSON object) is
//! expected, only an object will do.
//!
//! Why: serde's derived `Deserialize` for a struct also accepts a sequence, reading `[a, b]` as
//! its fields in declaration order, so `{"rhythm": [7, 3]}` would be taken for
//! `{"rhythm": {"cadence_days": 7, "grace_days": 3}}`. The OpenAPI document says `type: object`;
//! a client sending an array has made a mistake and deserves a 422 naming the field, not a
//! guess. Everything else behaves as `serde_json::Value`'s own deserializer.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Value};

/// A parsed JSON document (or a part of one) to deserialize strictly.
pub struct Strict(pub Value);

impl<'de> IntoDeserializer<'de, Error> for Strict {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> de::Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Strict));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(map) => {
                let mut entries =
                    MapDeserializer::new(map.into_iter().map(|(k, v)| (k, Strict(v))));
                let value = visitor.visit_map(&mut entries)?;
                entries.end()?;
                Ok(value)
            }
            other => de::Deserializer::deserialize_any(other, visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &"an object")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Strict(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.0, name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Rhythm {
        cadence_days: u32,
        grace_days: Option<u32>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Patch {
        rhythm: Option<Rhythm>,
        tags: Option<Vec<String>>,
    }

    fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, Error> {
        T::deserialize(Strict(serde_json::from_str(json).unwrap()))
    }

    #[test]
    fn objects_and_arrays_read_as_declared() {
        let p: Patch = parse(r#"{"rhythm": {"cadence_days": 7}, "tags": ["a"]}"#).unwrap();
        assert_eq!(p.rhythm.unwrap().cadence_days, 7);
        assert_eq!(p.tags.unwrap(), ["a"]);
        let p: Patch = parse(r#"{"rhythm": null}"#).unwrap();
        assert_eq!(p.rhythm, None);
    }

    #[test]
    fn an_array_is_not_an_object() {
        assert!(parse::<Patch>(r#"{"rhythm": [7, 3]}"#).is_err());
        assert!(parse::<Patch>(r#"[null, null]"#).is_err());
        let e = parse::<Rhythm>("[7]").unwrap_err().to_string();
        assert!(e.contains("expected an object"), "{e}");
    }
}
