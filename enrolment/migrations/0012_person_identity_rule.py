"""Who is a person: the name rule for a worker-number match, and why a duplicate was recorded.

Two SQL functions used by the roster ingest (``enrolment/services/ingest_sql.py``) on the rows
whose worker number matched a person with other name keys (see docs/enrolment.md, "Who is a
person"). Plain SQL and PL/pgSQL, no extension: ``fuzzystrmatch.levenshtein`` would need
``CREATE EXTENSION`` rights on every deployment's database, counts a swap of two letters as two
edits and refuses strings over 255 characters.
"""

from django.db import migrations, models

ONE_EDIT_APART = r"""
CREATE FUNCTION enrolment_one_edit_apart(a text, b text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
-- True when b is a, or a with one letter inserted, deleted, replaced, or swapped with the next.
-- Linear in the length: strip the common prefix and suffix, then look at what is left.
DECLARE
    la integer := length(a);
    lb integer := length(b);
    shorter integer := least(length(a), length(b));
    p integer := 0;
    s integer := 0;
BEGIN
    IF a = b THEN
        RETURN true;
    END IF;
    IF abs(la - lb) > 1 THEN
        RETURN false;
    END IF;
    WHILE p < shorter AND substr(a, p + 1, 1) = substr(b, p + 1, 1) LOOP
        p := p + 1;
    END LOOP;
    WHILE s < shorter - p AND substr(a, la - s, 1) = substr(b, lb - s, 1) LOOP
        s := s + 1;
    END LOOP;
    IF la - p - s <= 1 AND lb - p - s <= 1 THEN
        RETURN true;
    END IF;
    RETURN la - p - s = 2 AND lb - p - s = 2
       AND substr(a, p + 1, 1) = substr(b, p + 2, 1)
       AND substr(a, p + 2, 1) = substr(b, p + 1, 1);
END
$fn$;
"""

# The words of a whole name, folded as normalise_name_key folds (accents off, ł -> l, ß -> ss,
# lower case) and sorted, so word order and first/last column swaps do not matter. Words are
# split only at spaces and the punctuation names carry: an unexpected character stays in its
# word and makes the names differ, the safe side.
NAME_WORDS = r"""
CREATE FUNCTION enrolment_name_words(first_name text, last_name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
    SELECT string_agg(word, ' ' ORDER BY word COLLATE "C")
    FROM regexp_split_to_table(
        lower(replace(replace(replace(replace(replace(replace(replace(translate(
            regexp_replace(normalize(first_name || ' ' || last_name, NFKD),
                           '[\u0300-\u036f]', '', 'g'),
            'łŁøØđĐðÐħĦıŀĿŧŦŋŊĸ', 'lLoOdDdDhHilLtTnNk'),
            'ß', 'ss'), 'æ', 'ae'), 'Æ', 'ae'), 'œ', 'oe'), 'Œ', 'oe'), 'þ', 'th'), 'Þ', 'th')),
        '[[:space:],.''\u2019\u2018`\u00b4_/()-]+') AS word
    WHERE word <> ''
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0011_sign_in_link_sent_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="possibleduplicate",
            name="reason",
            field=models.CharField(
                choices=[
                    ("same_name_and_birth_date", "Same name and date of birth"),
                    ("worker_number_reused", "Worker number used for another person"),
                ],
                db_default="same_name_and_birth_date",
                default="same_name_and_birth_date",
                max_length=30,
            ),
        ),
        migrations.RunSQL(
            ONE_EDIT_APART, reverse_sql="DROP FUNCTION enrolment_one_edit_apart(text, text)"
        ),
        migrations.RunSQL(NAME_WORDS, reverse_sql="DROP FUNCTION enrolment_name_words(text, text)"),
    ]
