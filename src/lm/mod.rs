//! A character-level language model trained on real text (Chapter 6): the
//! corpus, the k-gram baselines it is measured against, and the model.

pub mod corpus;
pub mod dictionary;
pub mod hidden;
pub mod lexer;
pub mod model;
pub mod ngram;
pub mod reference;
pub mod train;
pub mod units;
