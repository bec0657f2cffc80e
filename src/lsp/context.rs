//! Where the cursor is: the block it is in, the statement before it on its line, and the word
//! or string under it. Read from the text alone, so that it works while the file does not
//! parse, which is most of the time while someone types.

use crate::schema::MessageKind;
use crate::schema::statements::Block;

/// The cursor's surroundings.
#[derive(Debug)]
pub struct Context<'a> {
    /// The innermost block the cursor is in.
    pub block: Block,
    /// The current line up to the cursor.
    pub before: &'a str,
    /// The word under the cursor (letters, digits, `_` and `.`), and where it starts.
    pub word: Option<(&'a str, usize)>,
    /// The string the cursor is in: its text without quotes, where it starts (its opening
    /// quote), and the word before it on its line (`timezone`, `extends`, ...).
    pub string: Option<InString<'a>>,
}

#[derive(Debug)]
pub struct InString<'a> {
    pub text: &'a str,
    pub start: usize,
    pub after: Option<&'a str>,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// The context of byte `offset` of `text`.
pub fn at(text: &str, offset: usize) -> Context<'_> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let (block, open_string) = scan(text, offset);
    let string = open_string.map(|start| {
        let end = text[start + 1..line_end]
            .find('"')
            .map_or(line_end, |i| start + 1 + i);
        let after = text[line_start..start]
            .split(|c: char| !is_word(c))
            .rfind(|w| !w.is_empty());
        InString {
            text: &text[start + 1..end],
            start,
            after,
        }
    });
    let word_start = text[line_start..offset]
        .rfind(|c: char| !is_word(c))
        .map_or(line_start, |i| line_start + i + 1);
    let word_end = text[offset..line_end]
        .find(|c: char| !is_word(c))
        .map_or(line_end, |i| offset + i);
    let word = (word_start < word_end).then(|| (&text[word_start..word_end], word_start));
    Context {
        block,
        before: &text[line_start..offset],
        word,
        string,
    }
}

/// The block at `offset` and, if `offset` is inside a string, where the string starts.
fn scan(text: &str, offset: usize) -> (Block, Option<usize>) {
    let mut blocks: Vec<Block> = Vec::new();
    let mut string: Option<usize> = None;
    let mut statement_start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < offset {
        let b = bytes[i];
        if string.is_some() {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => string = None,
                _ => {}
            }
        } else {
            match b {
                b'"' => string = Some(i),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                    continue;
                }
                b'{' => {
                    let header = &text[statement_start..i];
                    blocks.push(block_of(header, blocks.last().copied()));
                    statement_start = i + 1;
                }
                b'}' => {
                    blocks.pop();
                    statement_start = i + 1;
                }
                b'\n' => statement_start = i + 1,
                _ => {}
            }
        }
        i += 1;
    }
    (blocks.last().copied().unwrap_or(Block::File), string)
}

/// The block a header such as `policy "X" extends "Y"` opens, inside `outer`.
fn block_of(header: &str, outer: Option<Block>) -> Block {
    let first = header.split_whitespace().next().unwrap_or_default();
    match first {
        "policy" => Block::Policy,
        "recall" => Block::Recall,
        "defaults" => Block::Defaults,
        "unit" => Block::Unit,
        w if MessageKind::parse(w).is_some() => Block::Message,
        // Something unknown: assume a level deeper than the outer block.
        _ => match outer {
            None => Block::Policy,
            Some(Block::Policy | Block::Recall | Block::Defaults) => Block::Message,
            Some(other) => other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_word_and_string_under_the_cursor() {
        let text =
            "policy \"p\" {\n  timezone \"Europe/Sto\"\n  reminder \"r\" {\n    via sm\n  }\n  ";
        let c = at(text, text.find("sm").unwrap_or_default() + 2);
        assert_eq!(c.block, Block::Message);
        assert_eq!(c.before, "    via sm");
        assert_eq!(c.word, Some(("sm", text.find("sm").unwrap_or_default())));
        let c = at(text, text.find("Sto").unwrap_or_default());
        assert_eq!(c.block, Block::Policy);
        let s = c.string.expect("in a string");
        assert_eq!((s.text, s.after), ("Europe/Sto", Some("timezone")));
        let c = at(text, text.len());
        assert_eq!(c.block, Block::Policy);
        assert!(c.word.is_none());
    }
}
