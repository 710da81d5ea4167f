//! One stored value as it travels between the backends and through the portable backup file,
//! and the per-table tally (row count and checksum) that proves two copies hold the same rows.
//!
//! Why a checksum that ignores row order: SQLite and PostgreSQL sort text differently (byte
//! order against a collation), so each row is hashed on its own and the hashes are added up;
//! the sum is the same whatever order the rows were read in, and it streams (no sort, no
//! memory per row).

use sha2::{Digest, Sha256};

/// A value of one column of one row, in the few shapes both backends share. PostgreSQL-only
/// types (uuid, timestamps, json, numeric …) travel as their text form, which casts back
/// exactly; booleans travel as 0/1 (SQLite has no boolean).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One row: its values in the order of its table's columns.
pub(crate) type Row = Vec<Value>;

impl Value {
    /// The value in the portable file: JSON null, integer, float (always written with a
    /// fraction or exponent, so it reads back as a float), string; bytes and the floats JSON
    /// cannot hold (NaN, infinities) as one-key objects.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Int(i) => J::from(*i),
            Value::Real(f) if f.is_finite() => J::from(*f),
            Value::Real(f) => serde_json::json!({ "real": f.to_string() }),
            Value::Text(s) => J::String(s.clone()),
            Value::Blob(b) => serde_json::json!({ "hex": hex::encode(b) }),
        }
    }

    /// Reads a value written by [`Value::to_json`].
    pub(crate) fn from_json(v: &serde_json::Value) -> Result<Value, String> {
        use serde_json::Value as J;
        Ok(match v {
            J::Null => Value::Null,
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Real(n.as_f64().ok_or("a number out of range")?),
            },
            J::String(s) => Value::Text(s.clone()),
            J::Object(o) if o.len() == 1 => match o.iter().next() {
                Some((k, J::String(s))) if k == "hex" => {
                    Value::Blob(hex::decode(s).map_err(|_| "bytes that are not hex")?)
                }
                Some((k, J::String(s))) if k == "real" => {
                    Value::Real(s.parse().map_err(|_| "a number that is not one")?)
                }
                _ => return Err("an unknown kind of value".into()),
            },
            _ => return Err("an unknown kind of value".into()),
        })
    }

    /// Feeds the value's canonical bytes to `h`. A whole-number float counts as the integer
    /// (a REAL column may hand either back); a JSON column's text counts as its canonical JSON
    /// (PostgreSQL's jsonb reorders keys and spacing).
    fn digest(&self, h: &mut Sha256, json: bool) {
        match self {
            Value::Null => h.update([0]),
            Value::Int(i) => int_digest(h, *i),
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => int_digest(h, *f as i64),
            Value::Real(f) => {
                h.update([2]);
                h.update(f.to_bits().to_le_bytes());
            }
            Value::Text(s) => {
                let canonical = json.then(|| canonical_json(s)).flatten();
                let s = canonical.as_deref().unwrap_or(s);
                h.update([3]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            Value::Blob(b) => {
                h.update([4]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        }
    }

    /// A word for the kind of value, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) => "an integer",
            Value::Real(_) => "a number",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }
}

fn int_digest(h: &mut Sha256, i: i64) {
    h.update([1]);
    h.update(i.to_le_bytes());
}

/// JSON text with object keys sorted and no spacing; None when it is not JSON.
fn canonical_json(s: &str) -> Option<String> {
    fn write(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(o) => {
                let mut keys: Vec<_> = o.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&o[k], out);
                }
                out.push('}');
            }
            serde_json::Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    let mut out = String::with_capacity(s.len());
    write(&v, &mut out);
    Some(out)
}

/// How one side's rows of a table are hashed so that both sides agree: columns by name (the
/// backends may order a table's columns differently) and which of them hold JSON on either side.
#[derive(Debug, Clone, Default)]
pub(crate) struct Canon {
    /// Column indices, sorted by column name.
    pub(crate) order: Vec<usize>,
    /// Per column index: compare as JSON.
    pub(crate) json: Vec<bool>,
}

/// A table's row count and checksum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many rows.
    pub rows: u64,
    sum: u128,
}

impl Tally {
    /// Counts one row, its values taken in `canon`'s order.
    pub(crate) fn add(&mut self, row: &[Value], canon: &Canon) {
        let mut h = Sha256::new();
        for &i in &canon.order {
            if let Some(v) = row.get(i) {
                v.digest(&mut h, canon.json.get(i).copied().unwrap_or(false));
            }
        }
        let d = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&d[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
    }

    /// The checksum as 32 hex digits.
    pub fn checksum(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_json() {
        for v in [
            Value::Null,
            Value::Int(-7),
            Value::Int(i64::MAX),
            Value::Real(3.0),
            Value::Real(0.1 + 0.2),
            Value::Real(f64::NAN),
            Value::Real(f64::NEG_INFINITY),
            Value::Text("é \"quoted\"\n".into()),
            Value::Blob(vec![0, 255, 10]),
        ] {
            let text = v.to_json().to_string();
            let back = Value::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
            match (&v, &back) {
                (Value::Real(a), Value::Real(b)) if a.is_nan() => assert!(b.is_nan()),
                _ => assert_eq!(v, back, "{text}"),
            }
        }
        assert!(Value::from_json(&serde_json::json!([1])).is_err());
        assert!(Value::from_json(&serde_json::json!({"hex": "zz"})).is_err());
    }

    /// Every float comes back with the same bits (a backup proves itself by its checksum): sums
    /// of many terms, like the stored calibration's, have all 17 digits, which a best-effort
    /// float parser may read one unit in the last place off.
    #[test]
    fn every_float_reads_back_bit_for_bit() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut sum = 0.0_f64;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = match i % 3 {
                0 => f64::from_bits(x >> 2),
                1 => (x % 1_000_003) as f64 / 997.0,
                _ => {
                    sum += ((x % 10) as f64 / 10.0 - 0.5).powi(2);
                    sum
                }
            };
            if !f.is_finite() {
                continue;
            }
            let text = Value::Real(f).to_json().to_string();
            let back = Value::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
            let bits = match back {
                Value::Real(b) => b.to_bits(),
                Value::Int(n) => (n as f64).to_bits(),
                other => panic!("{text} read back as {other:?}"),
            };
            assert_eq!(bits, f.to_bits(), "{f:e} written as {text}");
        }
    }

    #[test]
    fn the_checksum_ignores_row_order_and_sees_every_value() {
        let a = vec![Value::Int(1), Value::Text("x".into())];
        let b = vec![Value::Int(2), Value::Null];
        let plain = Canon {
            order: vec![0, 1],
            json: vec![false, false],
        };
        let (mut one, mut two) = (Tally::default(), Tally::default());
        one.add(&a, &plain);
        one.add(&b, &plain);
        two.add(&b, &plain);
        two.add(&a, &plain);
        assert_eq!(one, two);
        let mut three = Tally::default();
        three.add(&a, &plain);
        three.add(&[Value::Int(2), Value::Text(String::new())], &plain);
        assert_ne!(one.checksum(), three.checksum());
        // A whole-number float is the integer; JSON compares by meaning when flagged; columns
        // compare by name whatever their order.
        let json = Canon {
            order: vec![0, 1],
            json: vec![false, true],
        };
        let swapped = Canon {
            order: vec![1, 0],
            json: vec![true, false],
        };
        let (mut f, mut i) = (Tally::default(), Tally::default());
        f.add(
            &[Value::Real(4.0), Value::Text("{\"b\":1, \"a\":2}".into())],
            &json,
        );
        i.add(
            &[Value::Text("{\"a\": 2, \"b\": 1}".into()), Value::Int(4)],
            &swapped,
        );
        assert_eq!(f, i);
    }
}
