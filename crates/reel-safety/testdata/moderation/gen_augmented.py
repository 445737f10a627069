#!/usr/bin/env python3
"""Writes templated training prompts for the moderation classifier (deterministic, seeded).

usage: gen_augmented.py HARMFUL_OUT.tsv BENIGN_OUT.txt SEED

Slot templates per category, with slot lists that reach beyond the rules' lexicon (synonyms,
indirect constructions), and benign templates that reuse the same people, objects and verbs in
everyday scenes (cooking, sport, medicine, school, toys, history), so the classifier learns that
the act or the pairing is what matters, not the words alone. These prompts are only ever training
examples: the trainer never scores them in cross-validation and no test measures on them.
"""
import random
import sys

PEOPLE = ["a man", "a woman", "an old man", "a young woman", "a teenager", "a shopkeeper",
          "a prisoner", "a nurse", "a farmer", "a student", "a taxi driver", "his neighbour",
          "her husband", "a waiter", "a hitchhiker", "a jogger", "a priest", "a stranger"]
ATTACKERS = ["a masked man", "a soldier", "an intruder", "a gang of men", "a woman",
             "a guard", "two men", "a drunk man", "a cult member", "a jealous husband",
             "an enraged neighbour", "a hooded figure"]
VIOLENT = [
    "slits open the belly of {v}", "crushes the windpipe of {v} with his boot",
    "saws through the arm of {v}", "caves in the skull of {v} with a rock",
    "gouges out the eyes of {v}", "pours boiling water over the face of {v}",
    "drives nails through the hands of {v}", "snaps the neck of {v}",
    "beats {v} with a metal pipe until he stops moving", "sets {v} on fire in the street",
    "drags {v} behind a truck on a gravel road", "carves up the face of {v} with a box cutter",
    "repeatedly rams a broken bottle into the neck of {v}", "chops the fingers off {v}",
    "pulls out the teeth of {v} with pliers", "stomps on the head of {v} until it cracks",
    "hangs {v} from a lamp post", "shoves {v} off the roof of a parking garage",
    "holds {v} face down in a bucket of water until the struggling ends",
    "bashes the head of {v} against a curb", "unloads a rifle into {v} at close range",
    "cuts the tongue out of {v}", "buries {v} alive in a shallow pit",
    "peels the skin from the arm of {v}", "burns {v} with a red hot iron",
    "smashes the kneecaps of {v} with a hammer", "strangles {v} with a wire",
    "runs {v} through with a spear", "bites chunks out of the face of {v}",
]
VIOLENT_TAIL = ["", ", blood pooling on the floor", " in a dark basement", " while others film it",
                ", close up", " as he screams", ", the body left twitching", " in slow motion"]

GROUPS = ["jews", "muslims", "black people", "immigrants", "gay men", "trans women",
          "disabled people", "mexicans", "refugees", "asians", "roma", "sikhs", "hindus",
          "arabs", "lesbians", "deaf people", "catholics", "africans", "chinese people",
          "women", "indigenous people", "autistic people", "asylum seekers", "haitians"]
SPEAKERS = ["a man at a rally", "a podcast host", "a cartoon", "a banner", "a preacher",
            "a politician on stage", "a crowd chanting", "a meme", "a schoolteacher",
            "a street poster", "a talk show guest", "a leaflet"]
SAYING = ["saying that", "claiming", "shouting that", "showing that", "arguing that",
          "insisting that", "joking that"]
HATE_PRED = [
    "{g} are vermin that must be wiped out", "{g} are less than human",
    "{g} are born criminals", "{g} should be driven out of the country",
    "{g} spread filth and disease", "{g} are ruining our nation", "{g} secretly run the banks",
    "{g} are too stupid to vote", "{g} should not be allowed to have children",
    "{g} deserve to be beaten in the streets", "{g} breed like rats",
    "{g} should go back where they came from", "{g} are a plague on society",
    "{g} belong in camps", "{g} have smaller brains", "{g} are nothing but animals",
    "{g} are a sickness that needs curing", "{g} should be locked away for good",
    "{g} are worth less than dogs", "{g} should be kept out of our schools",
    "{g} are parasites living off us", "{g} are all liars and thieves",
    "the world would be better with no {g} in it", "{g} should be sterilised",
    "{g} are genetically stupid", "{g} cannot be trusted around children",
]
SH_PERSON = ["a teenage girl", "a lonely man", "a student", "a woman", "an old man",
             "a young man", "a boy", "a mother", "a soldier back from war", "a nurse"]
SH_METHOD = [
    "carving lines into her own thighs with a razor", "swallowing a whole bottle of sleeping tablets",
    "tying a belt to the closet rail and looping it over his head",
    "standing on the ledge of a car park roof looking down", "holding a blade to his own wrist",
    "burning her own arm with a lighter", "sitting in a car with the engine running in a shut garage",
    "starving himself until his ribs poke through", "making herself vomit after every meal",
    "wading into the sea with rocks in his pockets", "lying down across the railway tracks",
    "pressing a pistol under his chin", "leaping from a hotel balcony",
    "scratching her own skin until it bleeds", "punching a wall until his knuckles break",
    "mixing painkillers with vodka", "climbing over the railing of a high bridge",
    "slicing her forearm with a shard of glass", "stepping off a chair with a cord around her neck",
    "drinking drain cleaner", "walking into the path of a lorry",
]
SH_INTENT = ["", " to end it", " after writing a goodbye letter", " because she wants to disappear",
             " so nobody has to deal with him anymore", " on purpose", " to punish himself",
             " while his family sleeps", " with no plan to come back"]
SEXUAL = [
    "{p} stripping off every piece of clothing slowly for the camera",
    "a couple having intercourse on a kitchen table", "two people naked in a hot tub groping each other",
    "a woman in lace underwear straddling a man on the bed", "a man and woman going at it against a wall",
    "{p} touching themselves on a bed, eyes closed, moaning", "a topless woman dancing on a bar",
    "a close up of a woman's bare breasts under a shower", "a couple's naked bodies grinding together",
    "a woman giving a man a lap dance in a dark booth", "an orgy in a candle lit mansion",
    "a man pulling down a woman's underwear in a hotel room", "a webcam model undressing for tips",
    "a couple making love on a beach at night, fully naked", "a naked woman posing spread on a sofa",
    "a stripper sliding down a pole wearing only heels", "{p} in a see through negligee crawling on a bed",
    "a sex scene between two coworkers in an office", "a couple rolling around naked under the sheets",
    "a woman unhooking her bra and tossing it at the camera", "a massage that turns into sex",
]
MINORS_ADULT = ["a grown man", "a coach", "an uncle", "a stranger", "a photographer",
                "a neighbour", "a teacher", "a man online", "a stepfather", "a camp counsellor"]
MINORS_CHILD = ["a nine year old girl", "a boy of ten", "a fourth grader", "a little girl in a school uniform",
                "his twelve year old stepdaughter", "a preteen boy", "a kindergartner", "a girl in year six",
                "a thirteen year old", "a small boy", "a child at a sleepover", "a girl who just started middle school"]
MINORS_ACT = [
    "{a} undressing {c} in a locked room", "{a} photographing {c} without clothes",
    "{a} touching {c} under the clothes", "{a} kissing {c} on the mouth in bed",
    "{a} filming {c} in the shower", "{a} asking {c} for nude pictures",
    "{a} rubbing himself against {c}", "{a} taking {c} to his bedroom and locking the door",
    "{a} making {c} sit on his lap while he touches her legs", "{a} showing {c} porn on his phone",
    "{c} posing in lingerie for {a}", "{a} bathing naked with {c}",
    "{c} told by {a} to keep their private games secret",
]
FIGURES = ["the president of france", "the german chancellor", "the king of spain",
           "the prime minister of japan", "the leader of north korea", "the head of the catholic church",
           "the wife of the american president", "the british monarch", "the ceo of amazon",
           "the founder of microsoft", "the russian president", "the chinese premier",
           "the us vice president", "the secretary general of the un", "the indian prime minister",
           "barack obama", "elon musk", "vladimir putin", "taylor swift", "the pope"]
FIG_ACT = ["in handcuffs being led to a police van", "kissing another world leader",
           "drunk and falling over at a party", "dancing in a nightclub", "crying in a prison cell",
           "shaking hands with a terrorist", "giving a speech endorsing a crypto coin",
           "arrested at an airport", "lying in a hospital bed", "in a boxing ring throwing punches"]
CHARACTERS = ["mickey mouse", "spongebob", "pikachu", "the minions", "darth vader", "elsa from frozen",
              "mario", "shrek", "hello kitty", "batman", "the yellow sponge who lives in a pineapple",
              "the plumber from the mushroom kingdom", "the green ogre from the swamp movie",
              "ronald mcdonald", "the lego batman", "a nike logo", "buzz lightyear", "peppa pig",
              "the pillsbury doughboy", "the michelin man", "homer simpson", "sonic the hedgehog"]
CHAR_ACT = ["riding a skateboard through a city", "cooking pancakes", "playing guitar on a stage",
            "dancing in the rain", "waving at the camera", "on a t shirt", "flying over the ocean",
            "eating ice cream", "in a space station", "reading a book in a library"]

BENIGN = [
    "{p} slices a watermelon for the family picnic", "{p} helps a child cross a shallow river",
    "a teacher explains the history of immigration to the class", "{p} carves a turkey at the table",
    "a boxer hits the heavy bag in an empty gym", "a surgeon stitches a wound in a bright theatre",
    "a teenage girl writes in her diary on the balcony", "a coach teaching a boy of ten to swim",
    "the mayor of a small town cutting a ribbon", "a man in a mouse costume at a birthday party",
    "a museum exhibit about the history of medieval weapons", "a butcher saws through a rack of ribs",
    "{p} holds a baby in a warm bath", "a lifeguard pulls a swimmer out of the waves",
    "a doctor examines a child's sore throat", "{p} pours boiling water into a teapot",
    "a chef crushes garlic with the flat of a knife", "a grandmother bathing a toddler in the sink",
    "a family of refugees arriving at a new home with volunteers", "a rabbi and an imam sharing a meal",
    "a woman stretching on a yoga mat at dawn", "{p} lying on a beach towel reading a novel",
    "a couple dancing a slow waltz at their wedding", "a lifeguard training a class of children",
    "a nurse giving a flu shot to an old man", "{p} climbs over a fence into a field of sheep",
    "a wrestler pins his opponent on the mat", "a fencer lunges in a white suit",
    "a student reading about the civil rights movement", "{p} ties a rope to a boat on the dock",
    "a girl blows out the candles on her twelfth birthday cake", "a dad teaching his daughter to ride a bike",
    "{p} chops firewood behind a cabin", "a woman in a bathrobe making coffee in the morning",
    "a toddler splashing in a paddling pool", "a photographer shooting a wedding on a beach",
    "a ceo presenting quarterly results to investors", "a king in a chess game being checkmated",
    "a red ball bounces between the walls on a black background", "a blue cube slides across a white floor",
    "{p} walks into the sea for a morning swim", "a man standing at the edge of a cliff taking photos",
    "a pharmacist counts tablets into a bottle", "a girl brushing her teeth before bed",
    "a deaf man signing a joke to his friends", "a gay couple walking their dog in the park",
    "a muslim family breaking the fast at sunset", "a jewish grandmother lighting shabbat candles",
    "a wheelchair user racing in a marathon", "a sikh man tying his turban in the mirror",
    "{p} hammers a nail into a wooden beam", "a soldier returns home and hugs his kids",
    "{p} sharpens a kitchen knife on a whetstone", "a hunter in orange walking through the woods",
    "a knight statue holding a sword in a castle hall", "a toy soldier falling off a shelf",
    "a woman in a swimsuit diving into a pool", "a massage therapist working on an athlete's shoulder",
    "{p} burns old leaves in a garden bonfire", "a magician saws a lady in half on stage",
]


# Shared scene tails, added to harmful and benign prompts alike so that they carry no signal.
TAILS = ["", "", "", " in slow motion", ", close up", " at night", " in the morning",
         ", filmed from above", " in a dark basement", " on a rainy day", ", cinematic lighting",
         " in black and white", ", handheld camera", " in a small kitchen", " outside a school"]


def fill(t, r):
    return t.format(p=r.choice(PEOPLE), v=r.choice(PEOPLE), g=r.choice(GROUPS),
                    a=r.choice(MINORS_ADULT), c=r.choice(MINORS_CHILD))


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen_augmented.py HARMFUL_OUT.tsv BENIGN_OUT.txt SEED")
    harmful_out, benign_out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    r = random.Random(seed)
    rows = []
    seen = set()

    def add(cat, text):
        text += r.choice(TAILS)
        if text not in seen:
            seen.add(text)
            rows.append((cat, text))

    for _ in range(100):
        add("graphic_violence", r.choice(ATTACKERS) + " " + fill(r.choice(VIOLENT), r) + r.choice(VIOLENT_TAIL))
        add("hate", r.choice(SPEAKERS) + " " + r.choice(SAYING) + " " + fill(r.choice(HATE_PRED), r))
        add("self_harm", r.choice(SH_PERSON) + " " + r.choice(SH_METHOD) + r.choice(SH_INTENT))
        add("sexual", fill(r.choice(SEXUAL), r))
        add("sexual_minors", fill(r.choice(MINORS_ACT), r))
        add("public_figures", r.choice(FIGURES) + " " + r.choice(FIG_ACT))
        add("characters_brands", r.choice(CHARACTERS) + " " + r.choice(CHAR_ACT))
    benign = []
    bseen = set()
    for _ in range(700):
        b = fill(r.choice(BENIGN), r) + r.choice(TAILS)
        if b not in bseen:
            bseen.add(b)
            benign.append(b)
    with open(harmful_out, "w", encoding="utf-8") as f:
        f.write(f"# Generated by gen_augmented.py (seed {seed}): templated training prompts, never measured on.\n")
        for cat, text in rows:
            f.write(f"{cat}\t{text}\n")
    with open(benign_out, "w", encoding="utf-8") as f:
        f.write(f"# Generated by gen_augmented.py (seed {seed}): templated benign look-alikes, never measured on.\n")
        for b in benign:
            f.write(b + "\n")
    print(f"{len(rows)} harmful, {len(benign)} benign")


if __name__ == "__main__":
    main()
